"""Tests of scripts/tap-summary.py: the counter behind make check's last line."""
import os
import subprocess
import sys
import tempfile
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(TOP, 'scripts', 'tap-summary.py')


def run(*texts, expect=None):
    """texts: TAP of suite0, suite1...; expect: {suite: list text}"""
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, t in enumerate(texts):
            p = os.path.join(d, 'suite%d.tap' % i)
            with open(p, 'w') as f:
                f.write(t)
            paths.append(p)
        opts = []
        if expect is not None:
            ed = os.path.join(d, 'expected')
            os.mkdir(ed)
            for name, text in expect.items():
                with open(os.path.join(ed, name), 'w') as f:
                    f.write(text)
            opts = ['--expect', ed]
        r = subprocess.run([sys.executable, TOOL] + opts + paths,
                           capture_output=True, text=True)
        return r.returncode, r.stdout.strip().splitlines()[-1]


class TapSummary(unittest.TestCase):
    def test_all_pass(self):
        self.assertEqual(run('1..2\nok 1 - a\nok 2 - b\n'),
                         (0, '2 passed, 0 failed'))

    def test_failure_counted(self):
        self.assertEqual(run('1..2\nok 1 - a\nnot ok 2 - b\n'),
                         (1, '1 passed, 1 failed'))

    def test_skip_is_not_a_pass(self):
        self.assertEqual(run('1..2\nok 1 - a\nok 2 - b # SKIP no vm\n'),
                         (0, '1 passed, 0 failed, 1 skipped'))

    def test_silent_suite_fails(self):
        self.assertEqual(run('1..1\nok 1 - a\n', 'kernel panic\n'),
                         (1, '1 passed, 1 failed'))

    def test_plan_mismatch_fails(self):
        self.assertEqual(run('1..3\nok 1 - a\nok 2 - b\n'),
                         (1, '2 passed, 1 failed'))

    def test_indented_subtests_not_counted(self):
        text = '1..1\n    1..2\n    ok 1 - x\n    ok 2 - y\nok 1 - parent\n'
        self.assertEqual(run(text), (0, '1 passed, 0 failed'))

    def test_boot_checks_counted_once(self):
        boot = 'ok 1 - kunit/s/a\nok 2 - log/no WARNING\nok 3 - guest/t/x\n'
        self.assertEqual(run(boot, boot), (0, '4 passed, 0 failed'))

    def test_repeated_boot_check_fails_if_one_run_failed(self):
        self.assertEqual(run('ok 1 - kunit/s/a\n', 'not ok 1 - kunit/s/a\n'),
                         (1, '0 passed, 1 failed'))

    def test_repeated_line_in_a_suite_counted_once(self):
        self.assertEqual(run('ok 1 - a\nok 2 - a\nok 3 - b\n'),
                         (0, '2 passed, 0 failed'))

    def test_same_description_in_two_suites_is_two_tests(self):
        self.assertEqual(run('ok 1 - a\n', 'ok 1 - a\n'),
                         (0, '2 passed, 0 failed'))

    def test_expected_prefix_present(self):
        self.assertEqual(run('ok 1 - guest/t/x\nok 2 - kunit/s/a\n',
                             expect={'suite0': '# c\nguest/t/\nkunit/s/a\n'}),
                         (0, '2 passed, 0 failed'))

    def test_expected_test_missing_fails(self):
        self.assertEqual(run('ok 1 - guest/t/x\n',
                             expect={'suite0': 'guest/t/\nguest/u/\n'}),
                         (1, '1 passed, 1 failed'))

    def test_empty_expected_list_fails(self):
        self.assertEqual(run('ok 1 - guest/t/x\n',
                             expect={'suite0': '# nothing\n'}),
                         (1, '1 passed, 1 failed'))

    def test_suite_without_expected_list_fails(self):
        self.assertEqual(run('ok 1 - a\n', 'ok 1 - b\n',
                             expect={'suite0': 'a\n'}),
                         (1, '2 passed, 1 failed'))


if __name__ == '__main__':
    unittest.main()
