//! The `/proc/PID/cgroup` reader (sdlite::login::cgroup::find_path: systemd's read_line()
//! splitting at '\n', '\r' and NUL, the "0::" line of cgroup2, the v1 controller lists split as
//! extract_first_word() splits them, " (deleted)") against systemd 252's own cg_pid_get_path()
//! from libsystemd-shared-252.so, under both layouts that decide which line counts.
//!
//! At start-up the target moves itself into a private mount namespace ("/" made private), puts
//! a tmpfs on /sys/fs/cgroup with the v1 name=systemd hierarchy at systemd/ (the legacy layout)
//! and binds a file of its own over its /proc/PID/cgroup. 252 caches the layout per thread, so
//! one worker thread asks 252 once under that layout; then cgroup2 is mounted at unified/ (the
//! hybrid layout) and a second worker asks under that. Each input becomes the file's contents
//! and both workers read it through cg_pid_get_path(NULL, 0, ...); sdlite's parser gets the
//! same bytes with the layout each worker stands for. Root needed (70-fuzz skips it, or fails
//! under CI=true, without namespaces).
//!
//! Input: the file's contents, any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sdlite::login::cgroup::{find_path, Hierarchy};
use sdlite_fuzz::{compare, escape};
use std::ffi::{CStr, CString};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, OnceLock};

use libc::{c_char, c_int};

const SHARED: &CStr = c"/usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252.so";

type PidPathFn = unsafe extern "C" fn(*const c_char, libc::pid_t, *mut *mut c_char) -> c_int;

/// What reading the file gave: the path, or the negative errno.
type Answer = Result<String, i32>;

struct Worker {
    ask: Mutex<Sender<Sender<Answer>>>,
}

impl Worker {
    fn ask(&self) -> Answer {
        let (tx, rx) = channel();
        self.ask.lock().expect("worker lock").send(tx).expect("worker alive");
        rx.recv().expect("worker answers")
    }
}

struct Setup {
    legacy: Worker,
    hybrid: Worker,
    file: CString,
}

fn fatal(what: &str) -> ! {
    eprintln!("cgroup_file: {what}: {}", std::io::Error::last_os_error());
    std::process::exit(2);
}

fn mount(src: &CStr, target: &CStr, fstype: &CStr, data: Option<&CStr>) {
    // SAFETY: C strings; a null data pointer is allowed.
    let r = unsafe {
        libc::mount(
            src.as_ptr(),
            target.as_ptr(),
            fstype.as_ptr(),
            0,
            data.map_or(std::ptr::null(), |d| d.as_ptr().cast()),
        )
    };
    if r != 0 {
        fatal(&format!("mount {fstype:?} on {target:?}"));
    }
}

fn mkdir(p: &CStr) {
    // SAFETY: a C string.
    if unsafe { libc::mkdir(p.as_ptr(), 0o755) } != 0 {
        fatal(&format!("mkdir {p:?}"));
    }
}

/// A thread that asks 252 once now (fixing its per-thread layout cache) and then on every request.
fn worker(f: PidPathFn) -> Worker {
    let (tx, rx) = channel::<Sender<Answer>>();
    let (ready_tx, ready_rx) = channel();
    std::thread::spawn(move || {
        let call = || {
            let mut out: *mut c_char = std::ptr::null_mut();
            // SAFETY: NULL controller (systemd's own), pid 0 (this process), a writable out-pointer;
            // the string is malloc'd and freed here.
            let r = unsafe { f(std::ptr::null(), 0, &mut out) };
            if r < 0 {
                return Err(r);
            }
            // SAFETY: as above.
            let s = unsafe { CStr::from_ptr(out) }.to_bytes().to_vec();
            // SAFETY: as above.
            unsafe { libc::free(out.cast()) };
            Ok(escape(&s))
        };
        let _ = call();
        ready_tx.send(()).expect("main thread waits");
        for reply in rx {
            let _ = reply.send(call());
        }
    });
    ready_rx.recv().expect("worker started");
    Worker { ask: Mutex::new(tx) }
}

fn setup() -> &'static Setup {
    static S: OnceLock<Setup> = OnceLock::new();
    S.get_or_init(|| {
        sdlite_fuzz::init_flags();
        // SAFETY: dlopen/dlsym with valid C strings; the pointer type repeats 252's prototype
        // int cg_pid_get_path(const char *controller, pid_t pid, char **ret_path).
        let f = unsafe {
            let h = libc::dlopen(SHARED.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
            if h.is_null() {
                panic!("fuzz setup: cannot load {SHARED:?}: {:?}", CStr::from_ptr(libc::dlerror()));
            }
            let p = libc::dlsym(h, c"cg_pid_get_path".as_ptr());
            assert!(!p.is_null(), "fuzz setup: cg_pid_get_path missing from {SHARED:?}");
            std::mem::transmute::<*mut libc::c_void, PidPathFn>(p)
        };
        // SAFETY: namespace and mount calls with C strings.
        unsafe {
            if libc::unshare(libc::CLONE_NEWNS) != 0 {
                fatal("cannot make a private mount namespace (unshare(CLONE_NEWNS); needs root)");
            }
            if libc::mount(
                c"none".as_ptr(),
                c"/".as_ptr(),
                c"none".as_ptr(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ) != 0
            {
                fatal("cannot make / private in the new namespace");
            }
        }
        mount(c"sdlite-fuzz-cg", c"/sys/fs/cgroup", c"tmpfs", Some(c"mode=0755,size=1m"));
        mkdir(c"/sys/fs/cgroup/systemd");
        mount(c"cgroup", c"/sys/fs/cgroup/systemd", c"cgroup", Some(c"none,name=systemd"));
        // The file bound over our own /proc/PID/cgroup lives on that tmpfs too (a file there
        // changes nothing in how the layout is told).
        let file = CString::new("/sys/fs/cgroup/file").expect("no NUL");
        std::fs::write("/sys/fs/cgroup/file", b"0::/\n").unwrap_or_else(|_| fatal("writing the file"));
        let proc_file = CString::new(format!("/proc/{}/cgroup", std::process::id())).expect("no NUL");
        // SAFETY: C strings; MS_BIND takes no file system type or data.
        if unsafe { libc::mount(file.as_ptr(), proc_file.as_ptr(), std::ptr::null(), libc::MS_BIND, std::ptr::null()) }
            != 0
        {
            fatal("binding the file over /proc/PID/cgroup");
        }
        let legacy = worker(f);
        mkdir(c"/sys/fs/cgroup/unified");
        mount(c"cgroup2", c"/sys/fs/cgroup/unified", c"cgroup2", None);
        let hybrid = worker(f);
        Setup { legacy, hybrid, file }
    })
}

#[derive(Debug, PartialEq)]
struct Outcome {
    legacy: Answer,
    hybrid: Answer,
}

fn ours(content: &[u8], h: Hierarchy) -> Answer {
    find_path(content, h).map(escape).map_err(|e| -e.0)
}

fuzz_target!(init: { let _ = setup(); }, |data: &[u8]| {
    let s = setup();
    // Rewritten in place: the bind mount refers to the file's inode.
    std::fs::write(s.file.to_str().expect("ASCII"), data).unwrap_or_else(|_| fatal("writing the bound file"));
    let mine = Outcome { legacy: ours(data, Hierarchy::Legacy), hybrid: ours(data, Hierarchy::Unified) };
    let sys = Outcome { legacy: s.legacy.ask(), hybrid: s.hybrid.ask() };
    let input = || format!("/proc/self/cgroup = \"{}\"", escape(data));
    compare("cgroup_file", input, &mine, &sys);
});
