#!/usr/bin/env python3
"""Count the results of flat TAP files and print the make-check summary.

Each file is one suite.  Only column-0 `ok` / `not ok` lines count; a
`# SKIP` directive counts as skipped, never as passed.  A suite with no
result, or whose plan disagrees with what it printed, adds a failure, so a
crashed or silent suite can never look green.  The last line printed is
`N passed, N failed[, N skipped]`; the exit status is 1 on any failure.
"""
import re
import sys

RESULT = re.compile(r'^(not )?ok\b\s*(\d+)?\s*(?:-\s*)?([^#]*)(#\s*(\S+).*)?$')
PLAN = re.compile(r'^1\.\.(\d+)')


def count(path):
    passed = failed = skipped = 0
    plan = None
    failures = []
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
                skipped += 1
            elif m.group(1):
                failed += 1
                failures.append(line)
            else:
                passed += 1
    total = passed + failed + skipped
    if total == 0:
        failed += 1
        failures.append('not ok - %s: suite printed no result' % path)
    elif plan is not None and plan != total:
        failed += 1
        failures.append('not ok - %s: planned %d results, printed %d'
                        % (path, plan, total))
    return passed, failed, skipped, failures


def main(paths):
    tp = tf = ts = 0
    for p in paths:
        try:
            passed, failed, skipped, failures = count(p)
        except OSError as e:
            passed, failed, skipped = 0, 1, 0
            failures = ['not ok - %s: %s' % (p, e.strerror)]
        name = p.rsplit('/', 1)[-1].rsplit('.', 1)[0]
        print('suite %-28s %4d passed, %d failed, %d skipped'
              % (name, passed, failed, skipped))
        for f in failures:
            print('    ' + f)
        tp, tf, ts = tp + passed, tf + failed, ts + skipped
    tail = ', %d skipped' % ts if ts else ''
    print('%d passed, %d failed%s' % (tp, tf, tail))
    return 1 if tf or not paths else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
