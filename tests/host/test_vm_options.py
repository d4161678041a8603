"""scripts/vm.sh refuses bad option values before it builds or boots anything."""
import os
import shutil
import subprocess
import tempfile
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


FAKE_QEMU = r"""#!/bin/sh
# answers vm.sh's property probes with nothing; records a boot's arguments
# and the initramfs it was given, and prints the end of an empty test run
case "$*" in *help*) exit 0 ;; esac
printf '%s\n' "$@" > "$FAKE_OUT/args"
prev=
for a; do
    [ "$prev" = -initrd ] && cp "$a" "$FAKE_OUT/given-initrd"
    prev=$a
done
echo "dirtyscope: END tests=0 pass=0 fail=0 skip=0"
"""


class Vmm(unittest.TestCase):
    """--vmm: the VMM's cpio after the initramfs, edu's DMA mask widened."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.qemu = os.path.join(self.tmp, 'qemu')
        with open(self.qemu, 'w') as f:
            f.write(FAKE_QEMU)
        os.chmod(self.qemu, 0o755)
        for name, data in (('Image', b'kernel'), ('initrd', b'INITRAMFS'),
                           ('vmm.cpio', b'VMM-CPIO')):
            with open(os.path.join(self.tmp, name), 'wb') as f:
                f.write(data)
        os.environ['FAKE_OUT'] = self.tmp

    def boot(self, *extra):
        t = self.tmp
        return vm('--qemu', self.qemu, '--httu', 'off', '--no-check',
                  '--kernel', os.path.join(t, 'Image'),
                  '--initrd', os.path.join(t, 'initrd'),
                  '--log', os.path.join(t, 'vm.log'), *extra)

    def test_vmm_appends_the_cpio_and_widens_the_dma_mask(self):
        r = self.boot('--vmm', '--edu', '2',
                      '--initrd-append', os.path.join(self.tmp, 'vmm.cpio'))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.tmp, 'args')) as f:
            args = f.read().splitlines()
        given = args[args.index('-initrd') + 1]
        self.assertNotEqual(given, os.path.join(self.tmp, 'initrd'))
        self.assertFalse(os.path.exists(given), 'the joined initramfs is left behind')
        devs = [args[i + 1] for i, a in enumerate(args) if a == '-device']
        self.assertEqual(len(devs), 2, devs)
        self.assertTrue(all(d.endswith(',dma_mask=0xffffffffff') for d in devs), devs)

    def test_vmm_boot_gets_the_joined_initramfs(self):
        # the fake QEMU kept a copy of its -initrd
        r = self.boot('--vmm', '--initrd-append', os.path.join(self.tmp, 'vmm.cpio'))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.tmp, 'given-initrd'), 'rb') as f:
            self.assertEqual(f.read(), b'INITRAMFSVMM-CPIO')

    def test_without_vmm_the_dma_mask_is_edus_own(self):
        r = self.boot()
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.tmp, 'args')) as f:
            args = f.read().splitlines()
        devs = [args[i + 1] for i, a in enumerate(args) if a == '-device']
        self.assertTrue(devs and not any('dma_mask' in d for d in devs), devs)

    def test_missing_cpio_refused_with_reason(self):
        missing = os.path.join(self.tmp, 'nothere.cpio')
        r = self.boot('--vmm', '--initrd-append', missing)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stderr.strip().splitlines()[-1],
                         'error: no cpio archive ' + missing)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'args')))


if __name__ == '__main__':
    unittest.main()
