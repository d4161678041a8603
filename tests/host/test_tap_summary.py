"""Tests of scripts/tap-summary.py: the counter behind make check's last line."""
import os
import subprocess
import sys
import tempfile
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(TOP, 'scripts', 'tap-summary.py')


def run(*texts):
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, t in enumerate(texts):
            p = os.path.join(d, 'suite%d.tap' % i)
            with open(p, 'w') as f:
                f.write(t)
            paths.append(p)
        r = subprocess.run([sys.executable, TOOL] + paths,
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


if __name__ == '__main__':
    unittest.main()
