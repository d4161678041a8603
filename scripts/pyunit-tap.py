#!/usr/bin/env python3
"""Run Python unittest modules and print one TAP line per test case."""
import sys
import unittest


class TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = 0

    def _line(self, test, ok, why=''):
        self.n += 1
        print('%s %d - %s%s' % ('ok' if ok else 'not ok', self.n, test.id(), why),
              flush=True)

    def addSuccess(self, test):
        self._line(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(test, False)
        print('# ' + self._exc_info_to_string(err, test).replace('\n', '\n# '))

    def addError(self, test, err):
        super().addError(test, err)
        self._line(test, False)
        print('# ' + self._exc_info_to_string(err, test).replace('\n', '\n# '))

    def addSkip(self, test, reason):
        self._line(test, True, ' # SKIP ' + reason)


def main(paths):
    loader = unittest.defaultTestLoader
    suite = unittest.TestSuite()
    for p in paths:
        d, f = p.rsplit('/', 1) if '/' in p else ('.', p)
        suite.addTests(loader.discover(d, pattern=f))
    print('1..%d' % suite.countTestCases())
    result = TapResult()
    suite.run(result)
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
