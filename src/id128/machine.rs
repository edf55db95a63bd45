//! The machine ID (`/etc/machine-id`) and the boot ID (the kernel's
//! `/proc/sys/kernel/random/boot_id`), each read once per process (see `cache`).

use super::cache::IdCache;
use super::file::{self, Format};
use super::{Id, NULL};
use crate::errno::{Errno, Result};

static MACHINE: IdCache = IdCache::new();
static BOOT: IdCache = IdCache::new();

/// A null machine ID is "not set up" (ENOMEDIUM), like an empty file.
pub fn machine_id() -> Result<Id> {
    MACHINE.get_or(|| match file::read(c"/etc/machine-id", Format::Plain)? {
        NULL => Err(Errno::ENOMEDIUM),
        id => Ok(id),
    })
}

/// A null boot ID is returned as it is (252 has no ENOMEDIUM check here, unlike for the machine
/// ID), and read again next time.
pub fn boot_id() -> Result<Id> {
    BOOT.get_or(|| file::read(c"/proc/sys/kernel/random/boot_id", Format::Uuid))
}
