"""scripts/vm.sh refuses bad option values before it builds or boots anything."""
import os
import subprocess
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VM = os.path.join(TOP, 'scripts', 'vm.sh')


def vm(*args):
    # a cache directory that does not exist: nothing may be built or read
    env = dict(os.environ, DIRTYSCOPE_CACHE='/nonexistent/dirtyscope-cache')
    return subprocess.run(['bash', VM, '--tests', 'none'] + list(args),
                          capture_output=True, text=True, env=env, timeout=30)


class BadValues(unittest.TestCase):
    CASES = [
        (['--smp', '0'], '--smp takes a number of CPUs (1-99)'),
        (['--smp', 'two'], '--smp takes a number of CPUs (1-99)'),
        (['--edu', '0'], '--edu takes a number of devices (1-9)'),
        (['--edu', '10'], '--edu takes a number of devices (1-9)'),
        (['--dma-delay-ns', '-5'], '--dma-delay-ns takes nanoseconds'),
        (['--httu-update-delay-us', '20ms'], '--httu-update-delay-us takes microseconds'),
        (['--dma-size', '0'], '--dma-size takes bytes'),
        (['--timeout', '1.5'], '--timeout takes seconds'),
        (['--httu', 'yes'], '--httu takes on, off or auto'),
    ]

    def test_refused_with_reason(self):
        for args, reason in self.CASES:
            with self.subTest(args=args):
                r = vm(*args)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertEqual(r.stderr.strip().splitlines()[-1], 'error: ' + reason)
                self.assertEqual(r.stdout, '')


class StockQemu(unittest.TestCase):
    """Debian's own QEMU (a build dependency) lacks the project's edu patches."""
    QEMU = '/usr/bin/qemu-system-aarch64'

    def test_edu_dma_log_needs_the_patched_edu(self):
        if not os.access(self.QEMU, os.X_OK):
            self.fail(self.QEMU + ' missing: scripts/deps.sh installs qemu-system-arm')
        r = vm('--qemu', self.QEMU, '--edu-dma-log')
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stderr.strip().splitlines()[-1],
                         'error: --edu-dma-log: ' + self.QEMU +
                         " has no edu.x-dma-log (use scripts/qemu.sh's QEMU)")
        self.assertEqual(r.stdout, '')


if __name__ == '__main__':
    unittest.main()
