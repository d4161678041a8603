#!/usr/bin/env python3
"""Count the results of flat TAP files and print the make-check summary.

Each file is one suite.  Only column-0 `ok` / `not ok` lines count; a
`# SKIP` directive counts as skipped, never as passed.  A suite with no
result, or whose plan disagrees with what it printed, adds a failure, so a
crashed or silent suite can never look green.

One test is one distinct check, counted once however often it runs: a
result is identified by its description (the text after the number, up to
a `#` directive), within its suite; the checks every boot of the test bed
repeats (`kunit/...`, `selftest/...`, `log/...`: the same KUnit suites,
the io-pgtable selftest, the log scan) are identified across suites.  A
test repeated passes only if every run of it passed.

--expect DIR: DIR/<suite> lists, one per line (`#` comments), the tests
the suite must have run: an ID, an ID prefix ending in `/` (all of a
guest program's lines, `guest/iommufd_dirty/`) or in `*` (an ID whose
tail varies, `gate: the main kernel passes*`).  Each one missing from the
suite's results is a failure, and so is a list that is empty; a suite
whose list is missing fails too, so neither a suite nor a test in it can
vanish unnoticed.

The last line printed is `N passed, N failed[, N skipped]` over distinct
tests; the exit status is 1 on any failure.
"""
import argparse
import os
import re
import sys

RESULT = re.compile(r'^(not )?ok\b\s*(\d+)?\s*(?:-\s*)?([^#]*)(#\s*(\S+).*)?$')
PLAN = re.compile(r'^1\.\.(\d+)')
# checks that every boot prints: one test each, however many boots
SHARED = ('kunit/', 'selftest/', 'log/')

PASS, SKIP, FAIL = 0, 1, 2


def parse(path):
    """The suite's results as (status, description, line), and its problems"""
    results = []
    plan = None
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            m = PLAN.match(line)
            if m:
                plan = int(m.group(1))
                continue
            m = RESULT.match(line)
            if not m:
                continue
            directive = (m.group(5) or '').upper()
            if directive.startswith('SKIP'):
                status = SKIP
            elif m.group(1):
                status = FAIL
            else:
                status = PASS
            results.append((status, m.group(3).strip(), line))
    problems = []
    if not results:
        problems.append('not ok - %s: suite printed no result' % path)
    elif plan is not None and plan != len(results):
        problems.append('not ok - %s: planned %d results, printed %d'
                        % (path, plan, len(results)))
    return results, problems


def expected(expect_dir, suite):
    """The suite's expected IDs, or None if it has no list"""
    path = os.path.join(expect_dir, suite)
    try:
        with open(path) as f:
            return [l.split('#', 1)[0].strip() for l in f
                    if l.split('#', 1)[0].strip()]
    except OSError:
        return None


def missing(ids, descs):
    out = []
    for i in ids:
        if i.endswith(('/', '*')):
            prefix = i.rstrip('*')
            if not any(d.startswith(prefix) for d in descs):
                out.append(i)
        elif i not in descs:
            out.append(i)
    return out


def merge(old, new):
    """A repeated test: failed if any run failed, else passed if one did"""
    if old is None:
        return new
    if FAIL in (old, new):
        return FAIL
    return PASS if PASS in (old, new) else SKIP


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--expect', metavar='DIR')
    ap.add_argument('taps', nargs='*')
    args = ap.parse_args()

    tests = {}		# key -> worst status
    for p in args.taps:
        name = p.rsplit('/', 1)[-1].rsplit('.', 1)[0]
        try:
            results, problems = parse(p)
        except OSError as e:
            results, problems = [], ['not ok - %s: %s' % (p, e.strerror)]
        if args.expect:
            ids = expected(args.expect, name)
            descs = {d for _, d, _ in results}
            if ids is None:
                problems.append('not ok - %s: no list of expected tests '
                                '(%s/%s)' % (name, args.expect, name))
            elif not ids:
                problems.append('not ok - %s: the list of expected tests is '
                                'empty' % name)
            else:
                problems += ['not ok - %s: expected test %s did not run'
                             % (name, i) for i in missing(ids, descs)]
        n = [0, 0, 0]
        suite_keys = set()
        for status, desc, _ in results:
            n[status] += 1
            key = desc if desc.startswith(SHARED) else (name, desc)
            suite_keys.add(key)
            tests[key] = merge(tests.get(key), status)
        for i, prob in enumerate(problems):
            tests[(name, '#problem %d' % i)] = FAIL
        repeated = len(results) - len(suite_keys)
        print('suite %-20s %4d passed, %d failed, %d skipped%s'
              % (name, n[PASS], n[FAIL] + len(problems), n[SKIP],
                 ' (%d repeated)' % repeated if repeated else ''))
        for status, _, line in results:
            if status == FAIL:
                print('    ' + line)
        for prob in problems:
            print('    ' + prob)

    counts = [0, 0, 0]
    for status in tests.values():
        counts[status] += 1
    tail = ', %d skipped' % counts[SKIP] if counts[SKIP] else ''
    print('%d passed, %d failed%s' % (counts[PASS], counts[FAIL], tail))
    return 1 if counts[FAIL] or not args.taps else 0


if __name__ == '__main__':
    sys.exit(main())
