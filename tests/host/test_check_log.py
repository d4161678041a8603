#!/usr/bin/env python3
"""Unit tests for scripts/check-log.py on synthetic guest serial logs.

Run: python3 -m unittest discover -s tests/host -v
"""

import importlib.util
import io
import os
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "scripts", "check-log.py")

spec = importlib.util.spec_from_file_location("check_log", SCRIPT)
check_log = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_log)


def k(t, text):
    """A kernel console line with a printk timestamp."""
    return "[%12.6f] %s" % (t, text)


KUNIT = [
    k(1.0, "KTAP version 1"),
    k(1.0, "1..1"),
    k(1.0, "    KTAP version 1"),
    k(1.0, "    # Subtest: arm-smmu-v3-kunit-test"),
    k(1.0, "    # module: arm_smmu_v3"),
    k(1.0, "    1..3"),
    k(1.1, "    ok 1 arm_smmu_v3_write_ste_test_bypass_to_abort"),
    k(1.1, "        KTAP version 1"),
    k(1.1, "        # Subtest: arm_smmu_v3_param_case"),
    k(1.1, "        ok 1 first"),
    k(1.1, "        ok 2 second"),
    k(1.1, "    # arm_smmu_v3_param_case: pass:2 fail:0 skip:0 total:2"),
    k(1.1, "    ok 2 arm_smmu_v3_param_case"),
    k(1.2, "    ok 3 arm_smmu_v3_write_cd_test_sva_clear"),
    k(1.2, "# arm-smmu-v3-kunit-test: pass:3 fail:0 skip:0 total:3"),
    k(1.2, "# Totals: pass:3 fail:0 skip:0 total:3"),
    k(1.2, "ok 1 arm-smmu-v3-kunit-test"),
]

LPAE = [
    k(0.5, "arm-lpae io-pgtable: selftest: pgsize_bitmap 0x40201000, IAS 32"),
    k(0.5, "arm-lpae io-pgtable: selftest: pgsize_bitmap 0x40201000, IAS 36"),
    k(0.6, "arm-lpae io-pgtable: selftest: completed with 2 PASS 0 FAIL"),
]

GUEST_A = [
    "dirtyscope: begin iommufd_dirty",
    "KTAP version 1",
    "1..3",
    "# iommufd_dirty: 1024 KiB at IOVA 0x1000000",
    "ok 1 edu device 0000:00:02.0 bound to vfio-pci",
    k(3.0, "vfio-pci 0000:00:02.0: enabling device (0000 -> 0002)"),
    "ok 2 NO_CLEAR read reports exactly pages 3 17 100",
    "ok 3 bitmap empty after enabling # SKIP not this time",
    "# Totals: pass:2 fail:0 skip:1 total:3",
    "dirtyscope: end iommufd_dirty rc=0 time=1500ms",
]

GUEST_B = [
    "dirtyscope: begin type1_dirty",
    "KTAP version 1",
    "1..2",
    "ok 1 DIRTY_PAGES START",
    "ok 2 GET_BITMAP before START fails with EINVAL (-22)",
    "dirtyscope: end type1_dirty rc=0 time=900ms",
]


def clean_log():
    return (
        [k(0.0, "Booting Linux on physical CPU 0x0000000000 [0x000f0510]"),
         k(0.0, "Lock dependency validator: Copyright (c) 2006 Red Hat"),
         k(0.1, "kasan: KernelAddressSanitizer initialized (generic)")]
        + LPAE + KUNIT +
        [k(2.0, "Run /init as init process"),
         "dirtyscope: userspace up at 2100ms, kernel 6.12.57",
         "dirtyscope: plan 2: iommufd_dirty type1_dirty"]
        + GUEST_A + GUEST_B +
        ["dirtyscope: END tests=2 pass=2 fail=0 skip=0",
         "dirtyscope: powering off at 5000ms",
         k(5.0, "reboot: Power down")])


class CheckLogTest(unittest.TestCase):

    def run_log(self, lines, crlf=True, **kw):
        sep = "\r\n" if crlf else "\n"
        with tempfile.NamedTemporaryFile("w", suffix=".log",
                                         delete=False) as f:
            f.write(sep.join(lines) + sep)
            path = f.name
        self.addCleanup(os.unlink, path)
        out = io.StringIO()
        rc = check_log.check(path, out=out, **kw)
        return rc, out.getvalue()

    def assert_fails_with(self, lines, needle, **kw):
        rc, out = self.run_log(lines, **kw)
        self.assertEqual(rc, 1, out)
        bad = [ln for ln in out.splitlines() if ln.startswith("not ok")]
        self.assertTrue(any(needle in ln for ln in bad),
                        "no failing line with %r in:\n%s" % (needle, out))
        return out

    def test_clean_log_passes(self):
        rc, out = self.run_log(
            clean_log(), require_kunit=["arm-smmu-v3-kunit-test"],
            require_lpae=True)
        self.assertEqual(rc, 0, out)
        self.assertNotIn("not ok", out)
        lines = out.splitlines()
        self.assertIn(
            "ok 1 - guest/iommufd_dirty/edu device 0000:00:02.0 bound to "
            "vfio-pci", lines)
        self.assertIn(
            "kunit/arm-smmu-v3-kunit-test/arm_smmu_v3_param_case/second",
            out)
        self.assertIn("kunit/arm-smmu-v3-kunit-test/"
                      "arm_smmu_v3_write_cd_test_sva_clear", out)
        self.assertIn("selftest/io-pgtable-lpae/pgsize_bitmap 0x40201000 "
                      "IAS 36", out)
        self.assertIn("# SKIP not this time", out)
        self.assertIn("# boot to userspace: 2.10s (guest clock)", out)
        # 5 guest + 4 kunit leaves + 2 lpae + completed + 9 splat kinds
        # + end marker + guest plan + VM completion = 24 results, 1 skipped.
        self.assertIn("1..24", lines)
        self.assertEqual(lines[-1], "check-log: 23 passed, 0 failed, "
                         "1 skipped")

    def test_plain_newlines(self):
        rc, out = self.run_log(clean_log(), crlf=False)
        self.assertEqual(rc, 0, out)

    def test_not_ok_fails(self):
        log = clean_log()
        i = log.index("ok 1 DIRTY_PAGES START")
        log[i] = "not ok 1 DIRTY_PAGES START"
        log[log.index("dirtyscope: end type1_dirty rc=0 time=900ms")] = \
            "dirtyscope: end type1_dirty rc=1 time=900ms"
        out = self.assert_fails_with(log, "guest/type1_dirty/DIRTY_PAGES")
        self.assertIn("check-log: ", out.splitlines()[-1])
        self.assertIn(" 1 failed", out.splitlines()[-1])

    def test_kunit_failure_fails(self):
        log = clean_log()
        i = log.index(k(1.2, "    ok 3 arm_smmu_v3_write_cd_test_sva_clear"))
        log[i] = k(1.2, "    not ok 3 arm_smmu_v3_write_cd_test_sva_clear")
        log[log.index(k(1.2, "ok 1 arm-smmu-v3-kunit-test"))] = \
            k(1.2, "not ok 1 arm-smmu-v3-kunit-test")
        out = self.assert_fails_with(log, "sva_clear")
        # The failing suite line is not counted a second time.
        self.assertNotIn("not ok 19 - kunit/arm-smmu-v3-kunit-test\n", out)

    def test_splats_fail(self):
        splats = {
            "no kernel panic":
                "Kernel panic - not syncing: Attempted to kill init!",
            "no Oops or BUG":
                "Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP",
            "no WARNING":
                "WARNING: CPU: 0 PID: 1 at drivers/iommu/iommu.c:42 f+0x1",
            "no KASAN report":
                "BUG: KASAN: slab-out-of-bounds in arm_smmu_probe+0x40/0x80",
            "no UBSAN report":
                "UBSAN: shift-out-of-bounds in drivers/iommu/io-pgtable.c:9",
            "no lockdep report":
                "WARNING: possible circular locking dependency detected",
            "no RCU stall":
                "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
            "no hung task":
                "INFO: task kworker/0:1:42 blocked for more than 120 seconds.",
        }
        for check, text in splats.items():
            with self.subTest(check=check):
                log = clean_log()
                log.insert(5, k(0.2, text))
                self.assert_fails_with(log, "log/" + check)

    def test_more_lockdep_and_bug_kinds(self):
        for text in ("WARNING: inconsistent lock state",
                     "WARNING: suspicious RCU usage",
                     "BUG: sleeping function called from invalid context",
                     "kernel BUG at mm/slub.c:435!",
                     "watchdog: BUG: soft lockup - CPU#0 stuck for 22s!",
                     "------------[ cut here ]------------"):
            with self.subTest(text=text):
                log = clean_log()
                log.insert(5, k(0.2, text))
                rc, out = self.run_log(log)
                self.assertEqual(rc, 1, out)

    def test_dropped_printk_messages_fail(self):
        log = clean_log()
        log.insert(5, k(0.2, "** 12 printk messages dropped **"))
        self.assert_fails_with(log, "log/no printk messages dropped")

    def test_splat_after_partial_user_line_fails(self):
        # user space printed without a newline, then the kernel's splat
        for text, check in (
                ("WARNING: CPU: 1 PID: 77 at drivers/iommu/io-pgtable-arm.c:848 x",
                 "log/no WARNING"),
                ("------------[ cut here ]------------", "log/no WARNING"),
                ("BUG: KASAN: wild-memory-access in unpin_user_page_range",
                 "log/no KASAN report")):
            with self.subTest(text=text):
                log = clean_log()
                i = log.index("ok 1 DIRTY_PAGES START")
                log.insert(i, "# phase 1: rounds 17" + k(3.1, text))
                self.assert_fails_with(log, check)

    def test_banners_required(self):
        rc, out = self.run_log(clean_log(),
                               require_banners=("kasan", "lockdep"))
        self.assertEqual(rc, 0, out)
        self.assertIn("ok", out)
        for key, needle in (("kasan", "KernelAddressSanitizer"),
                            ("lockdep", "Lock dependency validator")):
            with self.subTest(banner=key):
                log = [ln for ln in clean_log() if needle not in ln]
                self.assert_fails_with(log, "log/%s is live" %
                                       ("KASAN" if key == "kasan" else key),
                                       require_banners=(key,))

    def test_allow_list(self):
        log = clean_log()
        log.insert(5, k(0.2, "WARNING: CPU: 0 PID: 1 at known/benign.c:1"))
        rc, out = self.run_log(log, allow=[r"known/benign\.c"])
        self.assertEqual(rc, 0, out)

    def test_user_text_does_not_trip_splats(self):
        log = clean_log()
        i = log.index("ok 1 DIRTY_PAGES START")
        log.insert(i, "# note: a test may mention BUG: or WARNING: here")
        rc, out = self.run_log(log)
        self.assertEqual(rc, 0, out)

    def test_missing_end_marker_fails(self):
        log = [ln for ln in clean_log() if "dirtyscope: END" not in ln]
        self.assert_fails_with(log, "log/end marker")

    def test_timeout_mid_test_fails(self):
        log = clean_log()
        cut = log.index("ok 2 GET_BITMAP before START fails with EINVAL (-22)")
        log = log[:cut] + ["vm.sh: TIMEOUT: VM killed after 900s"]
        out = self.assert_fails_with(log, "log/end marker")
        self.assertRegex(out, r"not ok \d+ - log/VM ran to completion # "
                              r"vm.sh: TIMEOUT")
        self.assertIn("not ok", out)
        self.assertRegex(out, r"not ok \d+ - guest/type1_dirty .*plan|"
                              r"not ok \d+ - guest/type1_dirty #")

    def test_qemu_failure_fails(self):
        log = clean_log() + ["vm.sh: QEMU exited with status 1"]
        self.assert_fails_with(log, "log/VM ran to completion")

    def test_test_plan_mismatch_fails(self):
        log = clean_log()
        log[log.index("1..2")] = "1..3"
        self.assert_fails_with(log, "guest/type1_dirty (plan)")

    def test_missing_test_plan_fails(self):
        log = clean_log()
        log.remove("1..2")
        self.assert_fails_with(log, "guest/type1_dirty (plan) # no plan")

    def test_kunit_plan_mismatch_fails(self):
        log = clean_log()
        log[log.index(k(1.0, "    1..3"))] = k(1.0, "    1..4")
        self.assert_fails_with(log, "kunit/arm-smmu-v3-kunit-test (plan)")

    def test_guest_plan_mismatch_fails(self):
        log = clean_log()
        log[log.index("dirtyscope: plan 2: iommufd_dirty type1_dirty")] = \
            "dirtyscope: plan 3: iommufd_dirty type1_dirty other"
        self.assert_fails_with(log, "log/guest test plan")

    def test_bad_exit_status_fails(self):
        log = clean_log()
        log[log.index("dirtyscope: end type1_dirty rc=0 time=900ms")] = \
            "dirtyscope: end type1_dirty rc=139 time=900ms"
        self.assert_fails_with(log, "guest/type1_dirty (exit status)")

    def test_whole_test_skip(self):
        log = clean_log()
        i = log.index("1..2")
        log[i:i + 3] = ["1..0 # SKIP no edu device"]
        log[log.index("dirtyscope: end type1_dirty rc=0 time=900ms")] = \
            "dirtyscope: end type1_dirty rc=4 time=10ms"
        rc, out = self.run_log(log)
        self.assertEqual(rc, 0, out)
        self.assertIn("guest/type1_dirty # SKIP no edu device", out)

    def test_required_kunit_missing_fails(self):
        log = [ln for ln in clean_log() if ln not in KUNIT]
        self.assert_fails_with(log, "kunit/arm-smmu-v3-kunit-test",
                               require_kunit=["arm-smmu-v3-kunit-test"])

    def test_lpae_failure_fails(self):
        log = clean_log()
        i = log.index(LPAE[1])
        log[i + 1:i + 1] = [
            k(0.55, "selftest: test failed for fmt idx 1"),
            k(0.55, "WARNING: CPU: 0 PID: 1 at drivers/iommu/"
                    "io-pgtable-arm.c:1296 arm_lpae_run_tests+0x1"),
        ]
        log[log.index(LPAE[2])] = k(
            0.6, "arm-lpae io-pgtable: selftest: completed with 1 PASS 1 FAIL")
        out = self.assert_fails_with(log, "pgsize_bitmap 0x40201000 IAS 36")
        self.assertIn("not ok", out)

    def test_lpae_required_missing_fails(self):
        log = [ln for ln in clean_log() if ln not in LPAE]
        self.assert_fails_with(log, "selftest/io-pgtable-lpae/ran",
                               require_lpae=True)

    def test_main_missing_file(self):
        self.assertEqual(check_log.main(["/nonexistent/log"]), 2)


if __name__ == "__main__":
    unittest.main()
