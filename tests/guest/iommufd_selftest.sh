#!/bin/sh
# Upstream's iommufd selftest (tools/testing/selftests/iommu/iommufd.c of the
# guest kernel's own tree, built as iommufd_selftest.bin by the Makefile) on
# the kernel's IOMMUFD_TEST mock domain: the iommufd core, iova_bitmap and
# the dirty-tracking ioctls that the series changes, tested by upstream's
# own cases.  Its output is the kselftest harness's TAP, one line per
# fixture.variant.test.
#
# Excluded by name, each because the 6.12 kernel lacks what it tests (the
# selftest in Debian's 6.12.y is newer than the uAPI it ships with;
# iommufd_selftest/6.12-uapi.patch compiles those parts out):
#   get_hw_info   IOMMU_GET_HW_INFO's input data type (IOMMU_HW_INFO_FLAG_INPUT_TYPE)
exec /tests/iommufd_selftest.bin \
	-T get_hw_info
