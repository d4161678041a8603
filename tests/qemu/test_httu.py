#!/usr/bin/env python3
"""QEMU-level tests of the SMMUv3 HTTU emulation and of the edu fixes.

No guest kernel is involved: each case starts a fresh
qemu-system-aarch64 (virt machine, SMMUv3, one edu device) under the
qtest accelerator and plays the part of the guest OS through the qtest
text protocol.  It writes the SMMU stream table, context descriptor and
stage 1 page tables into guest RAM, enables the SMMU with a command and
an event queue, assigns the edu BAR through the PCIe ECAM and has edu
DMA to and from pages whose descriptors it then inspects.

Descriptor states (stage 1, VMSAv8-64 leaf):
  writable-clean   DBM=1 AP[2]=1
  writable-dirty   DBM=1 AP[2]=0
  read-only        DBM=0 AP[2]=1

Output is TAP version 13; the exit status is 0 iff every reported line
is "ok".

  test_httu.py --qemu PATH                       patched QEMU, HTTU on
  test_httu.py --qemu PATH --httu off --expect-fail
  test_httu.py --qemu PATH --httu on --cd-ha-hd off --expect-fail
  test_httu.py --qemu /usr/bin/qemu-system-aarch64 --httu off --expect-fail

--cd-ha-hd (default: the value of --httu) sets CD.HA and CD.HD for the
HTTU cases.  As a guest driver does when SMMU_IDR0.HTTU reads 0, a run
with --httu off programs HA=HD=0: an SMMU without HTTU (stock QEMU 7.2,
or the patched one with x-httu off) rejects a CD with HA or HD set with
C_BAD_CD, and then no translation happens at all.

--expect-fail is a negative control: it runs the HTTU cases on a QEMU or
a CD without HTTU (--httu off: no x-httu property; --httu on --cd-ha-hd
off: property on, CD.HA=HD=0, so the emulation must honour the CD) and
expects each case that depends on what is withheld to fail for its own
reason, checked exactly at the case's first HTTU-dependent step:

  idr0-httu, iort-httu-override    HTTU field reads 0b00 (only --httu off;
                                   with --cd-ha-hd off they must pass)
  write-dirties-clean-page,        the write through the writable-clean
  write-after-cached-read-rewalks, descriptor raises F_PERMISSION (edu's
  recleaned-page-needs-tlbi        StreamID, write, at the DMA's IOVA and
                                   no other event); page not written and
                                   descriptor unchanged
  read-sets-access-flag-only       descriptor unchanged (AF stays clear);
                                   either F_ACCESS read events at the
                                   IOVA, or no event and the read returns
                                   the data (QEMU 7.2 does not model stage
                                   1 access flag faults)

and reports "ok N - CASE: fails as expected without HTTU (what was
seen)".  Anything else, say C_BAD_CD, no fault or another event, is
"not ok".  write-to-read-only-faults and dirty-page-descriptor-unchanged
do not depend on HTTU and must pass in every mode.  --expect-fail with
HTTU on in QEMU and in the CD withholds nothing: then every dependent
case is "not ok", which shows that the controls can fail.  --expect-fail
uses short DMAs and no edu "dma-delay-ns" property, which an unpatched
QEMU does not have, and skips the edu and *-ttl-* cases, which need the
patches.  A QEMU that cannot start, crashes or stops answering is
reported "not ok" in every mode.

The *-ttl-* cases check the "x-strict-ttl" IOTLB mode (independent of
HTTU): a 2 MiB block translation is cached by a DMA, remapped in memory
to another output and invalidated with a range CMD_TLBI_NH_VA (4 KiB
granule, the whole block) whose TTL hint names level 3, level 2 or no
level; the next DMA shows whether the IOTLB still used the old output.
With x-strict-ttl=on a TTL of 3 must leave the level 2 block cached
(stale), as hardware may; TTL=2 and TTL=0 must not; with the property
off a TTL of 3 must drop it (QEMU's lenient rule).  --strict-ttl on (the
default) requires the property; --strict-ttl off runs the strict cases
without it, and then strict-ttl-l3-tlbi-leaves-2m-block-stale fails,
which shows that the case detects a lenient IOTLB.

The qtest accelerator keeps the vCPUs stopped and lets the test drive the
virtual clock.  Debian's qemu-system-aarch64 ships without it, so with a
QEMU that lacks it (--accel auto, the default, tries it first) the
machine runs under TCG instead: its CPU sleeps in a two-instruction WFI
loop given as firmware, the virtual clock runs in real time and a DMA is
awaited by polling.
"""

import argparse
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

# --- virt machine (hw/arm/virt.c, QEMU 7.2) -------------------------------

FW_CFG_BASE = 0x09020000            # data +0, selector +8, DMA +16
SMMU_BASE = 0x09050000
PCIE_ECAM_BASE = 0x3F000000          # bus 0
PCIE_MMIO_BASE = 0x10000000
RAM_BASE = 0x40000000

# --- SMMUv3 registers ------------------------------------------------------

IDR0 = 0x00
IDR3 = 0x0C
CR0 = 0x20
CR0ACK = 0x24
GERROR = 0x60
STRTAB_BASE = 0x80
STRTAB_BASE_CFG = 0x88
CMDQ_BASE = 0x90
CMDQ_PROD = 0x98
CMDQ_CONS = 0x9C
EVENTQ_BASE = 0xA0
EVENTQ_PROD = 0x100A8                # page 1
EVENTQ_CONS = 0x100AC

CR0_SMMUEN = 1 << 0
CR0_EVENTQEN = 1 << 2
CR0_CMDQEN = 1 << 3

CMD_CFGI_STE = 0x03
CMD_CFGI_CD = 0x05
CMD_TLBI_NH_ASID = 0x11
CMD_TLBI_NH_VA = 0x12                # dword0: NUM [16:12], SCALE [24:20]
                                     # dword1: LEAF [0], TTL [9:8], TG [11:10]
TLBI_TG_4K = 1
CMD_TLBI_NSNH_ALL = 0x30
CMD_SYNC = 0x46

EVT_C_BAD_CD = 0x0A
EVT_F_ACCESS = 0x12
EVT_F_PERMISSION = 0x13
EVENT_NAMES = {
    0x02: "C_BAD_STREAMID", 0x04: "C_BAD_STE", 0x0A: "C_BAD_CD",
    0x0B: "F_WALK_EABT", 0x10: "F_TRANSLATION", 0x11: "F_ADDR_SIZE",
    0x12: "F_ACCESS", 0x13: "F_PERMISSION",
}

# --- guest RAM layout used by the tests -----------------------------------

STRTAB = RAM_BASE + 0x00000          # linear stream table, 256 STEs
STRTAB_LOG2SIZE = 8
CMDQ = RAM_BASE + 0x10000            # 256 commands of 16 bytes
CMDQ_LOG2SIZE = 8
EVENTQ = RAM_BASE + 0x20000          # 128 events of 32 bytes
EVENTQ_LOG2SIZE = 7
CD_ADDR = RAM_BASE + 0x30000
PT_L1 = RAM_BASE + 0x40000           # T0SZ=25, 4 KiB granule: levels 1-3
PT_L2 = RAM_BASE + 0x41000
PT_L3 = RAM_BASE + 0x42000
FW_CFG_DMA_DESC = RAM_BASE + 0x50000 # FWCfgDmaAccess
FW_CFG_BUF = RAM_BASE + 0x400000     # fw_cfg file contents
FW_CFG_BUF_SIZE = 0x400000
DATA = RAM_BASE + 0x100000           # page i of the data area
IOVA_BASE = 0x00200000               # IOVA page i -> DATA page i; < 256 MiB
BLOCK_IOVA = 0x01000000              # a 2 MiB block (L2 entry 8); < 256 MiB
BLOCK_SIZE = 0x200000
BLOCK_OUT = (RAM_BASE + 0x1000000,   # its output before and after a remap
             RAM_BASE + 0x1200000)
BLOCK_DMA_OFFSET = 0x3000            # where in the block the DMAs go
PAGE = 0x1000
ASID = 1
T0SZ = 25

# --- stage 1 descriptors ---------------------------------------------------

PTE_TABLE = 0b11
PTE_PAGE = 0b11                      # level 3
PTE_BLOCK = 0b01                     # level 1 or 2
PTE_AP_UNPRIV = 1 << 6               # AP[1]
PTE_AP_RDONLY = 1 << 7               # AP[2]
PTE_SH_IS = 3 << 8
PTE_AF = 1 << 10
PTE_DBM = 1 << 51

# --- edu -------------------------------------------------------------------

EDU_VENDOR_DEVICE = 0x11E81234
EDU_SLOT = 4
EDU_DEVFN = EDU_SLOT << 3
EDU_SID = EDU_DEVFN                  # bus 0: requester ID = devfn
EDU_BAR0 = PCIE_MMIO_BASE
EDU_DMA_SRC = 0x80
EDU_DMA_DST = 0x88
EDU_DMA_CNT = 0x90
EDU_DMA_CMD = 0x98
EDU_DMA_RUN = 1
EDU_DMA_TO_RAM = 2
EDU_BUF = 0x40000
EDU_BUF_SIZE = 4096
EDU_STOCK_DELAY_NS = 100_000_000


class QTestError(Exception):
    """QEMU did not start, died or broke the protocol: never expected."""


class CheckFailed(Exception):
    """A property of the emulation does not hold."""


def check(cond, msg):
    if not cond:
        raise CheckFailed(msg)


def pattern(seed, length):
    return bytes((i * 13 + seed * 29 + (i >> 8)) & 0xFF for i in range(length))


def leaf(pa, *, af=True, dbm=False, rdonly=False):
    pte = pa | PTE_PAGE | PTE_AP_UNPRIV | PTE_SH_IS
    if af:
        pte |= PTE_AF
    if dbm:
        pte |= PTE_DBM
    if rdonly:
        pte |= PTE_AP_RDONLY
    return pte


def block(pa):
    """Read-write level 2 block descriptor (2 MiB with the 4 KiB granule)."""
    return pa | PTE_BLOCK | PTE_AP_UNPRIV | PTE_SH_IS | PTE_AF


def writable_clean(pa, af=True):
    return leaf(pa, af=af, dbm=True, rdonly=True)


def writable_dirty(pa):
    return leaf(pa, dbm=True)


def read_only(pa):
    return leaf(pa, rdonly=True)


def read_write(pa):
    return leaf(pa)


def iova(i):
    return IOVA_BASE + i * PAGE


def data_pa(i):
    return DATA + i * PAGE


# ===========================================================================
# qtest client
# ===========================================================================

class QTest:
    """One qemu-system-aarch64 process driven through the qtest protocol."""

    # every instance since the last reset, so that a case's runner can
    # report on and clean up each QEMU it started, however it ended
    started = []

    def __init__(self, qemu, extra_args, timeout, accel):
        QTest.started.append(self)
        self.deadline = time.monotonic() + timeout
        self.accel = accel
        self.workdir = tempfile.mkdtemp(prefix="httu-qtest-")
        self.log_path = os.path.join(self.workdir, "qemu.log")
        self.err_path = os.path.join(self.workdir, "stderr")
        self.qtest_log_path = os.path.join(self.workdir, "qtest.log")
        sock_path = os.path.join(self.workdir, "qtest.sock")
        self.proc = None
        self.sock = None
        self.buf = b""
        self.cmdline = [
            qemu,
            # highmem=off: the PCIe ECAM is the low one, at 0x3f000000
            "-machine", "virt,iommu=smmuv3,highmem=off",
            "-cpu", "cortex-a57",
            "-m", "128M",
            "-accel", accel,
            "-qtest", "unix:" + sock_path,
            "-qtest-log", self.qtest_log_path,
            "-display", "none",
            "-nodefaults",
            "-d", "guest_errors",
            "-D", self.log_path,
        ]
        if accel == "tcg":
            # The vCPU runs: park it in "1: wfi; b 1b" at the reset vector.
            firmware = os.path.join(self.workdir, "wfi.bin")
            with open(firmware, "wb") as f:
                f.write(struct.pack("<II", 0xD503207F, 0x17FFFFFF))
            self.cmdline += ["-bios", firmware]
        self.cmdline += list(extra_args)

        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(sock_path)
            listener.listen(1)
            with open(self.err_path, "wb") as err:
                try:
                    self.proc = subprocess.Popen(
                        self.cmdline, stdin=subprocess.DEVNULL,
                        stdout=err, stderr=subprocess.STDOUT)
                except OSError as e:
                    raise QTestError(f"cannot run {qemu}: {e}") from e
            # QEMU connects to us; give up if it exits or takes too long.
            while True:
                if self.proc.poll() is not None:
                    raise QTestError(
                        f"QEMU exited with status {self.proc.returncode} "
                        "before opening the qtest socket")
                left = self.deadline - time.monotonic()
                if left <= 0:
                    raise QTestError("QEMU did not connect to the qtest socket")
                ready, _, _ = select.select([listener], [], [], min(left, 0.1))
                if ready:
                    self.sock, _ = listener.accept()
                    break
        except BaseException:
            listener.close()
            self.close()
            raise
        listener.close()

    # --- process -----------------------------------------------------------

    def diagnostics(self):
        """QEMU's command line, stderr and log, for a failure report."""
        out = ["qemu: " + " ".join(self.cmdline)]
        if self.proc is not None and self.proc.poll() is not None:
            out.append(f"qemu exit status: {self.proc.returncode}")
        for name, path in (("stderr", self.err_path), ("log", self.log_path),
                           ("qtest log", self.qtest_log_path)):
            try:
                with open(path, "r", errors="replace") as f:
                    lines = f.read().splitlines()
            except OSError:
                continue
            if lines:
                tail = lines[-20:]
                out.append(f"qemu {name} (last {len(tail)} lines):")
                out.extend("  " + (line if len(line) <= 160 else
                                   line[:160] + "...") for line in tail)
        return out

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cleanup(self):
        self.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # --- protocol ----------------------------------------------------------

    def _readline(self):
        while b"\n" not in self.buf:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise QTestError("timed out waiting for QEMU")
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                continue
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                time.sleep(0.2)     # let the exit status be collected
                raise QTestError("QEMU closed the qtest connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def cmd(self, line):
        try:
            self.sock.sendall(line.encode() + b"\n")
        except OSError as e:
            raise QTestError(f"cannot send to QEMU: {e}") from e
        while True:
            reply = self._readline()
            if reply.startswith("IRQ "):
                continue            # asynchronous, not an answer
            if reply == "OK" or reply.startswith("OK "):
                return reply[3:]
            raise QTestError(f"qtest: {line!r} -> {reply!r}")

    def readl(self, addr):
        return int(self.cmd(f"readl {addr:#x}"), 0)

    def readq(self, addr):
        return int(self.cmd(f"readq {addr:#x}"), 0)

    def writew(self, addr, val):
        self.cmd(f"writew {addr:#x} {val:#x}")

    def writel(self, addr, val):
        self.cmd(f"writel {addr:#x} {val:#x}")

    def writeq(self, addr, val):
        self.cmd(f"writeq {addr:#x} {val:#x}")

    def read(self, addr, size):
        data = bytes.fromhex(self.cmd(f"read {addr:#x} {size:#x}")[2:])
        if len(data) != size:
            raise QTestError(f"read {size} bytes at {addr:#x}: got {len(data)}")
        return data

    def write(self, addr, data):
        self.cmd(f"write {addr:#x} {len(data):#x} 0x{data.hex()}")

    def memset(self, addr, size, byte):
        self.cmd(f"memset {addr:#x} {size:#x} {byte:#x}")

    def clock_step(self, ns=None):
        """Advances the virtual clock (qtest accelerator only)."""
        return int(self.cmd("clock_step" if ns is None else f"clock_step {ns}"))


def qtest_accel_available(qemu):
    """Whether @qemu has the qtest accelerator (Debian's does not).

    "-accel help" never lists qtest, so start an empty machine with it and
    quit at once through the monitor.
    """
    try:
        res = subprocess.run(
            [qemu, "-machine", "none", "-accel", "qtest", "-display", "none",
             "-nodefaults", "-monitor", "stdio"],
            input="quit\n", capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return True     # let starting it for real fail loudly, with its error
    return "invalid accelerator qtest" not in res.stderr


_device_help = {}


def qemu_has_prop(qemu, device, prop):
    """Whether @qemu knows -global @device.@prop (asks -device DEVICE,help)."""
    if (qemu, device) not in _device_help:
        try:
            res = subprocess.run(
                [qemu, "-machine", "virt", "-device", device + ",help"],
                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout=30)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise QTestError(f"cannot list the {device} properties of "
                             f"{qemu}: {e}") from e
        _device_help[(qemu, device)] = res.stdout
    return re.search(rf"^\s+{re.escape(prop)}=",
                     _device_help[(qemu, device)], re.M) is not None


# ===========================================================================
# SMMUv3 programming
# ===========================================================================

class SMMU:
    """Stream table, context descriptor, page tables and queues in guest RAM."""

    def __init__(self, qt):
        self.qt = qt
        self.cmdq_prod = 0
        self.eventq_cons = 0

    def reg(self, off):
        return self.qt.readl(SMMU_BASE + off)

    def set_reg(self, off, val):
        self.qt.writel(SMMU_BASE + off, val)

    def set_reg64(self, off, val):
        self.qt.writeq(SMMU_BASE + off, val)

    # --- structures ---------------------------------------------------------

    def write_ste(self, sid, cd_addr):
        """Valid STE, stage 1 translate, one CD (S1CDMax=0), linear CD table."""
        words = [0] * 16
        words[0] = 1 | (0b101 << 1) | (cd_addr & 0xFFFFFFC0)
        words[1] = (cd_addr >> 32) & 0xFFFF
        self.qt.write(STRTAB + sid * 64, struct.pack("<16I", *words))

    def write_cd(self, ha, hd):
        """AArch64 CD, 4 KiB granule, TTB0 = PT_L1, TTB1 disabled, R=1 A=1."""
        words = [0] * 16
        words[0] = (T0SZ                # T0SZ
                    | (0b00 << 6)       # TG0: 4 KiB
                    | (0b01 << 8)       # IR0: WBWA
                    | (0b01 << 10)      # OR0: WBWA
                    | (0b11 << 12)      # SH0: inner shareable
                    | (1 << 30)         # EPD1
                    | (1 << 31))        # V
        words[1] = (0b101               # IPS: 48 bits
                    | (1 << 9)          # AA64
                    | (int(hd) << 10)   # HD
                    | (int(ha) << 11)   # HA
                    | (1 << 13)         # R: record faults
                    | (1 << 14)         # A: abort on fault
                    | (ASID << 16))
        words[2] = PT_L1 & 0xFFFFFFF0
        words[3] = PT_L1 >> 32
        self.qt.write(CD_ADDR, struct.pack("<16I", *words))

    def write_tables(self):
        """L1[0] -> L2, L2[1] -> L3: L3 entry i translates IOVA page i."""
        for table in (PT_L1, PT_L2, PT_L3):
            self.qt.memset(table, PAGE, 0)
        self.qt.writeq(PT_L1 + 8 * ((IOVA_BASE >> 30) & 511), PT_L2 | PTE_TABLE)
        self.qt.writeq(PT_L2 + 8 * ((IOVA_BASE >> 21) & 511), PT_L3 | PTE_TABLE)

    def pte_addr(self, i):
        return PT_L3 + 8 * ((iova(i) >> 12) & 511)

    def set_pte(self, i, pte):
        self.qt.writeq(self.pte_addr(i), pte)

    def pte(self, i):
        return self.qt.readq(self.pte_addr(i))

    def set_l2(self, addr, desc):
        """Level 2 entry for the 2 MiB at IOVA @addr (not IOVA_BASE's)."""
        self.qt.writeq(PT_L2 + 8 * ((addr >> 21) & 511), desc)

    # --- enabling -------------------------------------------------------------

    def enable(self, sid):
        self.set_reg64(STRTAB_BASE, STRTAB)
        self.set_reg(STRTAB_BASE_CFG, STRTAB_LOG2SIZE)          # linear
        self.set_reg64(CMDQ_BASE, CMDQ | CMDQ_LOG2SIZE)
        self.set_reg(CMDQ_PROD, 0)
        self.set_reg(CMDQ_CONS, 0)
        self.set_reg64(EVENTQ_BASE, EVENTQ | EVENTQ_LOG2SIZE)
        self.set_reg(EVENTQ_PROD, 0)
        self.set_reg(EVENTQ_CONS, 0)

        queues = CR0_CMDQEN | CR0_EVENTQEN
        self.set_reg(CR0, queues)
        if self.reg(CR0ACK) != queues:
            raise QTestError("CR0ACK does not acknowledge the queues")
        self.command(CMD_CFGI_STE | (sid << 32), 1)             # leaf
        self.command(CMD_CFGI_CD | (sid << 32), 1)
        self.command(CMD_TLBI_NSNH_ALL, 0)
        self.sync()
        self.set_reg(CR0, queues | CR0_SMMUEN)
        if self.reg(CR0ACK) != queues | CR0_SMMUEN:
            raise QTestError("CR0ACK does not acknowledge SMMUEN")

    # --- command queue --------------------------------------------------------

    def command(self, dword0, dword1):
        index = self.cmdq_prod & ((1 << CMDQ_LOG2SIZE) - 1)
        self.qt.write(CMDQ + 16 * index, struct.pack("<QQ", dword0, dword1))
        self.cmdq_prod = (self.cmdq_prod + 1) & ((1 << (CMDQ_LOG2SIZE + 1)) - 1)
        self.set_reg(CMDQ_PROD, self.cmdq_prod)     # consumed synchronously

    def sync(self):
        self.command(CMD_SYNC, 0)                    # CS=none
        cons = self.reg(CMDQ_CONS)
        if (cons >> 24) & 0x7F or self.reg(GERROR) & 1:
            raise QTestError(f"command queue error: CMDQ_CONS={cons:#x}")
        if cons & ((1 << (CMDQ_LOG2SIZE + 1)) - 1) != self.cmdq_prod:
            raise QTestError(f"commands not consumed: CMDQ_CONS={cons:#x} "
                             f"PROD={self.cmdq_prod:#x}")

    def tlbi_va(self, asid, addr):
        """CMD_TLBI_NH_VA, one leaf page, no range (TG=0), then CMD_SYNC."""
        self.command(CMD_TLBI_NH_VA | (asid << 48), (addr & ~0xFFF) | 1)
        self.sync()

    def tlbi_va_range(self, asid, addr, *, tg, num=0, scale=0, ttl=0):
        """CMD_TLBI_NH_VA, leaf, with the range fields, then CMD_SYNC.

        With @tg != 0 (1: 4 KiB granule) it covers (num + 1) << scale
        granules from @addr and @ttl is the level hint: the level of the
        leaf descriptors being invalidated, 1-3, or 0 for any level.
        """
        self.command(CMD_TLBI_NH_VA | (num << 12) | (scale << 20)
                     | (asid << 48),
                     (addr & ~0xFFF) | (tg << 10) | (ttl << 8) | 1)
        self.sync()

    def tlbi_asid(self, asid):
        self.command(CMD_TLBI_NH_ASID | (asid << 48), 0)
        self.sync()

    # --- event queue ----------------------------------------------------------

    def events(self):
        """New event records as dicts; consumes them."""
        mask = (1 << (EVENTQ_LOG2SIZE + 1)) - 1
        prod = self.reg(EVENTQ_PROD) & mask
        out = []
        while self.eventq_cons != prod:
            index = self.eventq_cons & ((1 << EVENTQ_LOG2SIZE) - 1)
            w = struct.unpack("<8I", self.qt.read(EVENTQ + 32 * index, 32))
            out.append({
                "type": w[0] & 0xFF,
                "name": EVENT_NAMES.get(w[0] & 0xFF, f"{w[0] & 0xFF:#x}"),
                "sid": w[1],
                "rnw": (w[3] >> 3) & 1,
                "addr": w[4] | (w[5] << 32),
            })
            self.eventq_cons = (self.eventq_cons + 1) & mask
        self.set_reg(EVENTQ_CONS, self.eventq_cons)
        return out


def describe_events(events):
    """One line; a run of records that differ only in address is merged."""
    runs = []
    for e in events:
        key = (e["name"], e["sid"], e["rnw"])
        if runs and runs[-1][0] == key:
            runs[-1][2] = e["addr"]
            runs[-1][3] += 1
        else:
            runs.append([key, e["addr"], e["addr"], 1])
    out = []
    for (name, sid, rnw), first, last, n in runs:
        addr = f"{first:#x}" if first == last else f"{first:#x}..{last:#x}"
        if n > 1:
            addr += f" (x{n})"
        out.append(f"{name} sid={sid:#x} rnw={rnw} addr={addr}")
    return ", ".join(out) or "none"


# ===========================================================================
# fw_cfg (for the ACPI tables)
# ===========================================================================

def fw_cfg_read(qt, select, length):
    """Reads @length bytes of fw_cfg item @select (None: go on) with DMA."""
    control = 0x02                                   # READ
    if select is not None:
        control |= 0x08 | (select << 16)             # SELECT
    qt.write(FW_CFG_DMA_DESC,
             struct.pack(">IIQ", control, length, FW_CFG_BUF))
    # the DMA register is big-endian: store the address's bytes that way
    swapped = int.from_bytes(FW_CFG_DMA_DESC.to_bytes(8, "big"), "little")
    qt.writeq(FW_CFG_BASE + 16, swapped)
    status = struct.unpack(">I", qt.read(FW_CFG_DMA_DESC, 4))[0]
    if status != 0:
        raise QTestError(f"fw_cfg DMA of item {select} failed: {status:#x}")
    return qt.read(FW_CFG_BUF, length)


def fw_cfg_file(qt, name):
    count = struct.unpack(">I", fw_cfg_read(qt, 0x19, 4))[0]   # FILE_DIR
    entries = fw_cfg_read(qt, None, 64 * count)
    for i in range(count):
        size, select = struct.unpack_from(">IH", entries, 64 * i)
        if entries[64 * i + 8:64 * i + 64].split(b"\0")[0] == name.encode():
            if size > FW_CFG_BUF_SIZE:
                raise QTestError(f"fw_cfg {name}: {size} bytes, too large")
            return fw_cfg_read(qt, select, size)
    raise QTestError(f"no fw_cfg file {name}")


# ===========================================================================
# edu
# ===========================================================================

class Edu:
    """The edu device at 00:04.0, BAR0 at the start of the PCIe MMIO window."""

    def __init__(self, qt, delay_ns):
        self.qt = qt
        self.delay_ns = delay_ns
        self.cfg = PCIE_ECAM_BASE + (EDU_DEVFN << 12)

    def setup(self):
        ids = self.qt.readl(self.cfg + 0x00)
        if ids != EDU_VENDOR_DEVICE:
            raise QTestError(f"no edu at 00:{EDU_SLOT:02x}.0 (ids {ids:#x})")
        self.qt.writel(self.cfg + 0x10, EDU_BAR0)            # BAR0
        self.qt.writew(self.cfg + 0x04, 0x0006)              # MEM + bus master
        if self.qt.readl(EDU_BAR0) != 0x010000ED:
            raise QTestError("edu BAR0 does not answer")

    def start(self, src, dst, count, to_ram):
        self.qt.writeq(EDU_BAR0 + EDU_DMA_SRC, src)
        self.qt.writeq(EDU_BAR0 + EDU_DMA_DST, dst)
        self.qt.writeq(EDU_BAR0 + EDU_DMA_CNT, count)
        self.qt.writeq(EDU_BAR0 + EDU_DMA_CMD,
                       EDU_DMA_RUN | (EDU_DMA_TO_RAM if to_ram else 0))

    def busy(self):
        return bool(self.qt.readq(EDU_BAR0 + EDU_DMA_CMD) & EDU_DMA_RUN)

    def wait(self):
        if self.qt.accel == "qtest":
            for _ in range(5):
                self.qt.clock_step(self.delay_ns)
                if not self.busy():
                    return
        else:
            # TCG: the virtual clock follows the host clock
            limit = time.monotonic() + 5 * self.delay_ns / 1e9 + 2
            while time.monotonic() < limit:
                if not self.busy():
                    return
                time.sleep(0.002)
        raise QTestError("edu DMA did not complete")

    def to_buffer(self, src_iova, count, offset=0):
        """RAM -> edu buffer: a DMA read through the SMMU."""
        self.start(src_iova, EDU_BUF + offset, count, to_ram=False)
        self.wait()

    def from_buffer(self, dst_iova, count, offset=0):
        """edu buffer -> RAM: a DMA write through the SMMU."""
        self.start(EDU_BUF + offset, dst_iova, count, to_ram=True)
        self.wait()


# ===========================================================================
# test bed and cases
# ===========================================================================

class Bed:
    """A fresh QEMU with the SMMU enabled for edu and empty page tables."""

    SOURCE = 8          # page that fills the edu buffer (read-only mapping)

    def __init__(self, opts, ha, hd, dma_delay_ns=None, strict_ttl=None):
        if dma_delay_ns is None:
            dma_delay_ns = opts.dma_delay_ns
        extra = []
        if opts.httu == "on":
            extra += ["-global", "arm-smmuv3.x-httu=on"]
        if strict_ttl is not None:      # else the QEMU's default
            extra += ["-global", "arm-smmuv3.x-strict-ttl="
                      + ("on" if strict_ttl else "off")]
        edu = f"edu,addr={EDU_SLOT:#x}"
        if dma_delay_ns is not None:
            edu += f",dma-delay-ns={dma_delay_ns}"
        extra += ["-device", edu]
        self.dma_len = opts.dma_len
        self.qt = QTest(opts.qemu, extra, opts.timeout, opts.accel)
        self.smmu = SMMU(self.qt)
        self.edu = Edu(self.qt, dma_delay_ns or EDU_STOCK_DELAY_NS)
        self.edu.setup()
        self.smmu.write_tables()
        self.smmu.write_cd(ha=ha, hd=hd)
        self.smmu.write_ste(EDU_SID, CD_ADDR)
        self.smmu.enable(EDU_SID)

    def load_buffer(self, seed, length=None):
        """Put pattern(seed) into the edu buffer through the SOURCE page."""
        length = length or self.dma_len
        data = pattern(seed, length)
        self.qt.write(data_pa(self.SOURCE), data)
        self.smmu.set_pte(self.SOURCE, read_only(data_pa(self.SOURCE)))
        self.edu.to_buffer(iova(self.SOURCE), length)
        return data

    def page(self, i, length=None):
        return self.qt.read(data_pa(i), length or self.dma_len)


def expect_pte(got, want, what):
    check(got == want, f"{what}: descriptor {got:#018x}, expected {want:#018x}")


def expect_no_events(bed):
    events = bed.smmu.events()
    check(not events, f"unexpected SMMU events: {describe_events(events)}")


def expect_faults(bed, events, evt, i, rnw):
    """Checks that @events are exactly the faults of one DMA of
    bed.dma_len bytes at IOVA page @i: all of type @evt, from edu's
    StreamID, with @rnw, inside the DMA's range, the first at its start
    (one record per access QEMU splits the DMA into).  Returns them
    described."""
    name = EVENT_NAMES[evt]
    lo, hi = iova(i), iova(i) + bed.dma_len
    access = "read" if rnw else "write"
    want = f"only {name} sid={EDU_SID:#x} rnw={rnw} in {lo:#x}..{hi - 1:#x}"
    check(events, f"the DMA {access} at IOVA {lo:#x} raised no SMMU event, "
          f"expected {want}")
    other = [e for e in events
             if (e["type"], e["sid"], e["rnw"]) != (evt, EDU_SID, rnw)
             or not lo <= e["addr"] < hi]
    check(not other, f"the DMA {access} at IOVA {lo:#x} raised "
          f"{describe_events(events)}; expected {want}")
    check(events[0]["addr"] == lo, f"the first {name} is for "
          f"{events[0]['addr']:#x}, not the start of the DMA, {lo:#x}")
    return describe_events(events)


def expect_write_fault(bed, i, pte_before, data_before):
    """After a DMA write to IOVA page @i that must fault: the descriptor
    still @pte_before, exactly F_PERMISSION write events for the DMA's
    range, the page still @data_before.  Returns what was seen."""
    events = bed.smmu.events()
    pte = bed.smmu.pte(i)
    check(pte == pte_before, f"after the write: descriptor {pte:#018x}, "
          f"expected {pte_before:#018x} (unchanged; SMMU events: "
          f"{describe_events(events)})")
    seen = expect_faults(bed, events, EVT_F_PERMISSION, i, rnw=0)
    check(bed.page(i, PAGE) == data_before,
          "the page was written although the write faulted")
    return f"{seen}; descriptor unchanged, page not written"


def case_idr0(opts, diag, control=False):
    """SMMU_IDR0.HTTU advertises access flag and dirty state (0b10)"""
    extra = ["-global", "arm-smmuv3.x-httu=on"] if opts.httu == "on" else []
    qt = QTest(opts.qemu, extra, opts.timeout, opts.accel)
    idr0 = qt.readl(SMMU_BASE + IDR0)
    idr3 = qt.readl(SMMU_BASE + IDR3)
    httu = (idr0 >> 6) & 3
    diag(f"IDR0={idr0:#010x} HTTU={httu:#04b}; IDR3={idr3:#010x} "
         f"BBML={(idr3 >> 11) & 3}")
    if control:
        check(httu == 0b00, f"IDR0.HTTU is {httu:#04b}, expected 0b00")
        return f"IDR0.HTTU={httu:#04b}"
    check(httu == 0b10, f"IDR0.HTTU is {httu:#04b}, expected 0b10")
    return None


def case_iort(opts, diag, control=False):
    """ACPI IORT SMMUv3 node reports HTTU (flags[2:1] = 0b10)"""
    extra = ["-global", "arm-smmuv3.x-httu=on"] if opts.httu == "on" else []
    qt = QTest(opts.qemu, extra, opts.timeout, opts.accel)
    tables = fw_cfg_file(qt, "etc/acpi/tables")
    at = tables.find(b"IORT")
    if at < 0:
        raise QTestError("no IORT in etc/acpi/tables")
    length = struct.unpack_from("<I", tables, at + 4)[0]
    iort = tables[at:at + length]
    nodes, offset = struct.unpack_from("<II", iort, 36)
    for _ in range(nodes):
        node_type, node_len = struct.unpack_from("<BH", iort, offset)
        if node_type == 4:                           # SMMUv3
            base, flags = struct.unpack_from("<QI", iort, offset + 16)
            break
        offset += node_len
    else:
        raise QTestError("no SMMUv3 node in the IORT")
    httu = (flags >> 1) & 3
    diag(f"IORT SMMUv3 node: base={base:#x} flags={flags:#x} HTTU={httu:#04b}")
    check(base == SMMU_BASE, f"IORT SMMUv3 base {base:#x}")
    check(flags & 1, "COHACC override lost")
    if control:
        check(httu == 0b00, f"IORT HTTU override is {httu:#04b}, "
              "expected 0b00")
        return f"IORT SMMUv3 flags={flags:#x}, HTTU={httu:#04b}"
    check(httu == 0b10, f"IORT HTTU override is {httu:#04b}, expected 0b10")
    return None


def case_write_dirties(opts, diag, bed, control=False):
    """DMA write to a writable-clean page writes it and makes it writable-dirty"""
    before = writable_clean(data_pa(0))
    bed.smmu.set_pte(0, before)
    bed.qt.memset(data_pa(0), PAGE, 0x5A)
    data = bed.load_buffer(seed=1)
    old = bed.page(0, PAGE)
    bed.edu.from_buffer(iova(0), bed.dma_len)
    if control:
        return expect_write_fault(bed, 0, before, old)
    check(bed.page(0) == data, "page data not written by the DMA")
    expect_pte(bed.smmu.pte(0), (before | PTE_AF) & ~PTE_AP_RDONLY,
               "after the write")
    expect_no_events(bed)
    return None


def case_readonly_faults(opts, diag, bed):
    """DMA write to a read-only page (no DBM) faults and changes nothing"""
    before = read_only(data_pa(0))
    bed.smmu.set_pte(0, before)
    bed.qt.memset(data_pa(0), PAGE, 0x5A)
    bed.load_buffer(seed=2)
    expect_no_events(bed)
    old = bed.page(0, PAGE)
    bed.edu.from_buffer(iova(0), bed.dma_len)
    diag("events: " + expect_write_fault(bed, 0, before, old))


def case_read_sets_af(opts, diag, bed, control=False):
    """DMA read sets the access flag only (AP[2] stays set)"""
    before = writable_clean(data_pa(0), af=False)
    bed.smmu.set_pte(0, before)
    data = pattern(3, bed.dma_len)
    bed.qt.write(data_pa(0), data)
    bed.edu.to_buffer(iova(0), bed.dma_len)
    if control:
        events = bed.smmu.events()
        pte = bed.smmu.pte(0)
        check(pte == before, f"after the read: descriptor {pte:#018x}, "
              f"expected {before:#018x} (unchanged, AF clear; SMMU events: "
              f"{describe_events(events)})")
        if events:
            seen = expect_faults(bed, events, EVT_F_ACCESS, 0, rnw=1)
            return f"{seen}; descriptor unchanged, AF clear"
        # no access flag fault: the read must have worked (below), and
        # so must the write back through a writable-dirty page
        bed.smmu.set_pte(1, writable_dirty(data_pa(1)))
        bed.edu.from_buffer(iova(1), bed.dma_len)
        check(bed.page(1) == data, "the DMA read did not return the page "
              "data, yet raised no F_ACCESS")
        expect_no_events(bed)
        return ("descriptor unchanged, AF clear; the read went through "
                "without F_ACCESS, which this QEMU does not model")
    expect_pte(bed.smmu.pte(0), before | PTE_AF, "after the read")
    # what was read reaches RAM again through a writable-dirty page
    bed.smmu.set_pte(1, writable_dirty(data_pa(1)))
    bed.edu.from_buffer(iova(1), bed.dma_len)
    check(bed.page(1) == data, "the DMA read did not return the page data")
    expect_no_events(bed)
    return None


def case_write_after_read(opts, diag, bed, control=False):
    """write after a read cached the clean page walks again and dirties it"""
    before = writable_clean(data_pa(0))
    bed.smmu.set_pte(0, before)
    bed.qt.write(data_pa(0), pattern(4, bed.dma_len))
    bed.edu.to_buffer(iova(0), bed.dma_len)       # caches a read-only entry
    expect_pte(bed.smmu.pte(0), before, "after the read")
    data = bed.load_buffer(seed=5)
    old = bed.page(0, PAGE)
    bed.edu.from_buffer(iova(0), bed.dma_len)
    if control:
        return expect_write_fault(bed, 0, before, old)
    check(bed.page(0) == data, "page data not written by the DMA")
    expect_pte(bed.smmu.pte(0), before & ~PTE_AP_RDONLY, "after the write")
    expect_no_events(bed)
    return None


def case_reclean_needs_tlbi(opts, diag, bed, control=False):
    """a re-cleaned page stays clean until TLBI (by VA, by ASID), then dirties"""
    clean = writable_clean(data_pa(0))
    dirty = clean & ~PTE_AP_RDONLY
    bed.smmu.set_pte(0, clean)
    data = bed.load_buffer(seed=6)
    old = bed.page(0, PAGE)
    bed.edu.from_buffer(iova(0), bed.dma_len)
    if control:
        return expect_write_fault(bed, 0, clean, old)
    check(bed.page(0) == data, "first write: page data not written")
    expect_pte(bed.smmu.pte(0), dirty, "after the first write")

    bed.smmu.set_pte(0, clean)                     # software clears dirty
    data = bed.load_buffer(seed=7)
    bed.edu.from_buffer(iova(0), bed.dma_len)
    check(bed.page(0) == data, "second write (cached entry): data not written")
    expect_pte(bed.smmu.pte(0), clean,
               "second write, no TLBI: the cached translation must be used")

    bed.smmu.tlbi_va(ASID, iova(0))
    data = bed.load_buffer(seed=8)
    bed.edu.from_buffer(iova(0), bed.dma_len)
    check(bed.page(0) == data, "third write (after TLBI): data not written")
    expect_pte(bed.smmu.pte(0), dirty, "third write, after CMD_TLBI_NH_VA")

    bed.smmu.set_pte(0, clean)                     # and by ASID this time
    bed.smmu.tlbi_asid(ASID)
    data = bed.load_buffer(seed=9)
    bed.edu.from_buffer(iova(0), bed.dma_len)
    check(bed.page(0) == data, "fourth write (after TLBI): data not written")
    expect_pte(bed.smmu.pte(0), dirty, "fourth write, after CMD_TLBI_NH_ASID")
    expect_no_events(bed)
    return None


def case_dirty_unchanged(opts, diag, bed):
    """DMA write to an already dirty page leaves the descriptor unchanged"""
    before = writable_dirty(data_pa(0))
    bed.smmu.set_pte(0, before)
    data = bed.load_buffer(seed=12)
    bed.edu.from_buffer(iova(0), bed.dma_len)
    check(bed.page(0) == data, "page data not written by the DMA")
    expect_pte(bed.smmu.pte(0), before, "after the write")
    expect_no_events(bed)


def case_edu_full_buffer(opts, diag, bed):
    """edu: a 4096-byte DMA (the whole buffer) works both ways"""
    data = bed.load_buffer(seed=10, length=EDU_BUF_SIZE)
    bed.smmu.set_pte(0, read_write(data_pa(0)))
    bed.edu.from_buffer(iova(0), EDU_BUF_SIZE)
    check(bed.page(0, EDU_BUF_SIZE) == data, "4096-byte DMA: data differs")
    check(bed.qt.readl(EDU_BAR0) == 0x010000ED, "edu gone after the DMA")
    expect_no_events(bed)


EDU_TEST_DELAY_NS = 2500


def case_edu_delay(opts, diag, bed):
    """edu: dma-delay-ns sets when a DMA completes"""
    delay = EDU_TEST_DELAY_NS
    bed.smmu.set_pte(0, read_write(data_pa(0)))
    bed.qt.write(data_pa(0), pattern(11, 64))
    if bed.qt.accel == "qtest":
        bed.edu.start(iova(0), EDU_BUF, 64, to_ram=False)
        check(bed.edu.busy(), "DMA finished before any virtual time passed")
        bed.qt.clock_step(delay - 1)
        check(bed.edu.busy(), f"DMA finished before {delay} ns")
        bed.qt.clock_step(1)
        check(not bed.edu.busy(), f"DMA not finished after {delay} ns")
    else:
        # real time only: far less than the stock 100 ms will do
        t0 = time.monotonic()
        bed.edu.start(iova(0), EDU_BUF, 64, to_ram=False)
        while bed.edu.busy() and time.monotonic() - t0 < 1:
            time.sleep(0.001)
        took = time.monotonic() - t0
        diag(f"DMA with dma-delay-ns={delay} took {took * 1000:.1f} ms (TCG)")
        check(took < 0.05, f"DMA took {took * 1000:.1f} ms, not about {delay} ns")
    bed.smmu.set_pte(1, read_write(data_pa(1)))
    bed.edu.from_buffer(iova(1), 64)
    check(bed.page(1, 64) == pattern(11, 64), "DMA data differs")


def ttl_check(diag, bed, *, ttl, tg=TLBI_TG_4K, want_stale):
    """Caches a 2 MiB block translation, remaps the block in memory,
    invalidates it with CMD_TLBI_NH_VA (@tg, level hint @ttl; with @tg
    the range is the whole block, 512 x 4 KiB) and checks whether the
    next DMA still used the old output (@want_stale) or the new one."""
    qt, n = bed.qt, bed.dma_len
    old, new = (out + BLOCK_DMA_OFFSET for out in BLOCK_OUT)
    dst = BLOCK_IOVA + BLOCK_DMA_OFFSET

    def dma(seed):
        """DMA write into the block; where it landed: (old, new)."""
        qt.memset(old, n, 0)
        qt.memset(new, n, 0)
        data = bed.load_buffer(seed)
        bed.edu.from_buffer(dst, n)
        return qt.read(old, n) == data, qt.read(new, n) == data

    def where(landed):
        return {(True, False): "the old output",
                (False, True): "the new output",
                (False, False): "neither output"}.get(landed, "both outputs")

    bed.smmu.set_l2(BLOCK_IOVA, block(BLOCK_OUT[0]))
    landed = dma(40)
    check(landed == (True, False),
          f"first DMA through the 2 MiB block reached {where(landed)}")
    expect_no_events(bed)

    # remapped in memory without a TLBI: the cached block must be used,
    # or this case could not tell a removed entry from an uncached one
    bed.smmu.set_l2(BLOCK_IOVA, block(BLOCK_OUT[1]))
    landed = dma(41)
    check(landed == (True, False),
          "after remapping the block without a TLBI the DMA reached "
          f"{where(landed)}, not the old output: the 2 MiB block was not "
          "cached in the IOTLB")

    if tg:
        scale = (BLOCK_SIZE // PAGE).bit_length() - 1      # 512 = 1 << 9
        bed.smmu.tlbi_va_range(ASID, BLOCK_IOVA, tg=tg, scale=scale, ttl=ttl)
        what = (f"range TLBI (4 KiB granule, the whole block, TTL={ttl}"
                f"{', level %d' % ttl if ttl else ', any level'})")
    else:
        bed.smmu.tlbi_va_range(ASID, BLOCK_IOVA, tg=0, ttl=ttl)
        what = f"TLBI without range (TG=0, TTL={ttl}, which TG=0 voids)"
    landed = dma(42)
    diag(f"after the {what}: the DMA reached {where(landed)}")
    if want_stale:
        check(landed == (True, False),
              f"the {what} removed the level 2 block entry: the next DMA "
              f"reached {where(landed)}, not the old output, so the IOTLB "
              "does not keep translations of another level than TTL")
    else:
        check(landed == (False, True),
              f"the {what} left the 2 MiB block cached: the next DMA "
              f"reached {where(landed)}, not the new output (stale)")
    expect_no_events(bed)


def case_strict_ttl_l3(opts, diag, bed):
    """x-strict-ttl: a range TLBI with TTL=3 leaves a 2 MiB block cached"""
    ttl_check(diag, bed, ttl=3, want_stale=True)


def case_strict_ttl_l2(opts, diag, bed):
    """x-strict-ttl: a range TLBI with TTL=2 drops the cached 2 MiB block"""
    ttl_check(diag, bed, ttl=2, want_stale=False)


def case_strict_ttl_0(opts, diag, bed):
    """x-strict-ttl: a range TLBI with TTL=0 (any level) drops the block"""
    ttl_check(diag, bed, ttl=0, want_stale=False)


def case_strict_ttl_tg0(opts, diag, bed):
    """x-strict-ttl: TTL is unused when TG=0, a TLBI by VA drops the block"""
    ttl_check(diag, bed, ttl=3, tg=0, want_stale=False)


def case_lenient_ttl_l3(opts, diag, bed):
    """x-strict-ttl off: a range TLBI with TTL=3 drops the 2 MiB block too"""
    ttl_check(diag, bed, ttl=3, want_stale=False)


# name, function, kind, needs.  kind: "machine" (starts its own QEMU),
# "httu" (a Bed whose CD sets HA and HD as --cd-ha-hd says), "edu" (a Bed
# whose CD sets neither), "strict-ttl" / "lenient-ttl" (an "edu" Bed with
# x-strict-ttl on / off; with --strict-ttl off neither is passed).  needs:
# what of HTTU the case depends on, which --expect-fail may withhold:
# "property" (x-httu), "cd" (x-httu and CD.HA/HD) or None.
CASES = [
    ("idr0-httu", case_idr0, "machine", "property"),
    ("iort-httu-override", case_iort, "machine", "property"),
    ("write-dirties-clean-page", case_write_dirties, "httu", "cd"),
    ("write-to-read-only-faults", case_readonly_faults, "httu", None),
    ("read-sets-access-flag-only", case_read_sets_af, "httu", "cd"),
    ("write-after-cached-read-rewalks", case_write_after_read, "httu", "cd"),
    ("recleaned-page-needs-tlbi", case_reclean_needs_tlbi, "httu", "cd"),
    ("dirty-page-descriptor-unchanged", case_dirty_unchanged, "httu", None),
    ("edu-4096-byte-dma", case_edu_full_buffer, "edu", None),
    ("edu-dma-delay-ns", case_edu_delay, "edu", None),
    ("strict-ttl-l3-tlbi-leaves-2m-block-stale", case_strict_ttl_l3,
     "strict-ttl", None),
    ("strict-ttl-l2-tlbi-drops-2m-block", case_strict_ttl_l2, "strict-ttl",
     None),
    ("strict-ttl-0-tlbi-drops-2m-block", case_strict_ttl_0, "strict-ttl",
     None),
    ("strict-ttl-tg0-tlbi-ignores-ttl", case_strict_ttl_tg0, "strict-ttl",
     None),
    ("lenient-ttl-l3-tlbi-drops-2m-block", case_lenient_ttl_l3,
     "lenient-ttl", None),
]


def run_case(opts, func, kind, diag, control):
    """Runs one case; returns (None, what it saw) if it held, else
    (the CheckFailed, None).  With @control the case checks that it
    fails for its expected reason without HTTU instead, and what it
    saw names that reason.

    A QTestError (QEMU did not start, died, hung) propagates, after QEMU's
    command line, stderr and log are dumped.  Every QEMU the case started
    is stopped and its files removed.
    """
    QTest.started = []
    dump = opts.verbose
    bed = None
    args = {"control": True} if control else {}
    try:
        if kind == "machine":
            seen = func(opts, diag, **args)
        else:
            ha_hd = kind == "httu" and opts.cd_ha_hd == "on"
            delay = EDU_TEST_DELAY_NS if func is case_edu_delay else None
            strict = None
            if kind.endswith("-ttl") and opts.strict_ttl == "on":
                if not qemu_has_prop(opts.qemu, "arm-smmuv3", "x-strict-ttl"):
                    raise QTestError(
                        f"{opts.qemu} has no arm-smmuv3.x-strict-ttl "
                        "property (--strict-ttl on needs the QEMU of "
                        "scripts/qemu.sh with tests/qemu/patches/0006)")
                strict = kind == "strict-ttl"
            bed = Bed(opts, ha=ha_hd, hd=ha_hd, dma_delay_ns=delay,
                      strict_ttl=strict)
            seen = func(opts, diag, bed, **args)
        dump = False
        return None, seen
    except CheckFailed as e:
        if bed is not None:
            # e.g. a C_BAD_CD behind "page data not written"
            try:
                events = bed.smmu.events()
            except QTestError:
                events = []
            if events:
                diag(f"SMMU events not yet read: {describe_events(events)}")
        return e, None
    except BaseException:
        dump = True
        raise
    finally:
        for qt in QTest.started:
            qt.close()
            if dump:
                for line in qt.diagnostics():
                    diag(line)
            qt.cleanup()
        QTest.started = []


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qemu", required=True, help="qemu-system-aarch64 to test")
    ap.add_argument("--httu", choices=("on", "off"), default="on",
                    help="pass -global arm-smmuv3.x-httu=on (default: on)")
    ap.add_argument("--cd-ha-hd", choices=("on", "off"),
                    help="set CD.HA and CD.HD for the HTTU cases (default: "
                    "the value of --httu; on needs --httu on)")
    ap.add_argument("--strict-ttl", choices=("on", "off"), default="on",
                    help="the *-ttl-* cases pass -global "
                    "arm-smmuv3.x-strict-ttl=on (strict-ttl-*) or =off "
                    "(lenient-ttl-*), which the QEMU must have (default: "
                    "on); off: pass neither, so that strict-ttl-l3-* fails")
    ap.add_argument("--expect-fail", action="store_true",
                    help="negative control: run the HTTU cases expecting "
                    "each one that depends on what --httu off or "
                    "--cd-ha-hd off withholds to fail for its own reason")
    ap.add_argument("--case", action="append", default=[],
                    help="run only this case (repeatable)")
    ap.add_argument("--accel", choices=("auto", "qtest", "tcg"), default="auto",
                    help="accelerator (default: qtest if QEMU has it, else tcg)")
    ap.add_argument("--timeout", type=float, default=60,
                    help="seconds allowed for each case (default: 60)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="also dump QEMU's output for failed checks")
    opts = ap.parse_args()

    if opts.cd_ha_hd is None:
        opts.cd_ha_hd = opts.httu
    if opts.httu == "off" and opts.cd_ha_hd == "on":
        ap.error("--cd-ha-hd on needs --httu on: an SMMU without HTTU "
                 "rejects a CD with HA or HD set (C_BAD_CD) and translates "
                 "nothing, so no case could fail for its own reason")
    if opts.accel == "auto":
        opts.accel = "qtest" if qtest_accel_available(opts.qemu) else "tcg"
    # what the control withholds, and which "needs" it takes away
    if not opts.expect_fail:
        withheld, controlled = "nothing", set()
    elif opts.httu == "off":
        withheld, controlled = "x-httu (and so CD.HA/HD)", {"property", "cd"}
    elif opts.cd_ha_hd == "off":
        withheld, controlled = "CD.HA/HD (x-httu is on)", {"cd"}
    else:
        # HTTU on everywhere: the controls' own test, every dependent
        # case must come out "not ok"
        withheld, controlled = "nothing (controls must fail)", \
            {"property", "cd"}
    if opts.expect_fail:
        # Works on an unpatched QEMU: short DMAs, stock DMA timing.
        opts.dma_len = 256
        opts.dma_delay_ns = None
        cases = [c for c in CASES if c[2] in ("machine", "httu")]
    else:
        opts.dma_len = PAGE
        opts.dma_delay_ns = 1000
        cases = list(CASES)
    if opts.case:
        unknown = set(opts.case) - {c[0] for c in CASES}
        if unknown:
            ap.error(f"unknown case(s): {', '.join(sorted(unknown))}")
        cases = [c for c in cases if c[0] in opts.case]

    def diag(line):
        print(f"# {line}", flush=True)

    print("TAP version 13")
    print(f"1..{len(cases)}", flush=True)
    diag(f"qemu={opts.qemu} httu={opts.httu} cd-ha-hd={opts.cd_ha_hd} "
         f"strict-ttl={opts.strict_ttl} accel={opts.accel} "
         f"expect-fail={'yes' if opts.expect_fail else 'no'}"
         + (f" withheld={withheld}" if opts.expect_fail else ""))
    passed = failed = 0
    for n, (name, func, kind, needs) in enumerate(cases, 1):
        title = func.__doc__.strip()
        control = needs in controlled
        t0 = time.monotonic()
        try:
            failure, seen = run_case(opts, func, kind, diag, control)
            error = None
        except QTestError as e:
            failure, seen, error = None, None, e
        except Exception as e:      # a bug in this script: report, go on
            failure, seen, error = None, None, e
            for line in traceback.format_exc().splitlines():
                diag(line)
        elapsed = time.monotonic() - t0

        ok = error is None and failure is None
        if error is not None:
            text = f"{name}: {title}"
            why = f"QEMU error: {error}"
        elif control:
            if ok:
                text = f"{name}: fails as expected without HTTU ({seen})"
            else:
                text = (f"{name}: does not fail for its expected reason "
                        f"without HTTU (withheld: {withheld})")
            why = None if ok else f"failed check: {failure}"
        else:
            text = f"{name}: {title}"
            if opts.expect_fail:
                text += (" (independent of HTTU: passes in every mode)"
                         if needs is None else
                         " (depends on x-httu only, which this control "
                         "keeps: must pass)")
            why = None if ok else f"failed check: {failure}"
        print(f"{'ok' if ok else 'not ok'} {n} - {text}", flush=True)
        if why:
            diag(why)
        diag(f"{name}: {elapsed:.2f} s")
        passed += ok
        failed += not ok

    print(f"test_httu: {passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
