//! The slice of WASI preview 1 the guest may use, implemented by hand so that nothing
//! reaches the host: stdin is the invocation's input frames, fd 1/2 go to the capped
//! captures, the clock is frozen and randomness is a fixed-seed generator unless the
//! invocation was given another clock or seed (contract R-2, clock.rs), and there are no
//! files, environment variables or arguments.

use wasmtime::{Caller, Linker};

use crate::guest_memory::{read_u32, slice, slice_mut, write_u32, write_u64};
use crate::faults::GuestExit;
use crate::store_state::InstanceState;

const SUCCESS: i32 = 0;
const EBADF: i32 = 8;
const EFAULT: i32 = 21;
const EINVAL: i32 = 28;
const ENOTSUP: i32 = 58;
const ESPIPE: i32 = 70;
const ENOTCAPABLE: i32 = 76;

const MAX_IOVECS: u32 = 1024;
const FILETYPE_CHARACTER_DEVICE: u8 = 2;

/// Raised by `proc_exit`: the guest asked to end the process, which only ends its call.

type Ctx<'a> = Caller<'a, InstanceState>;

fn memory_and_state<'a>(caller: &'a mut Ctx<'_>) -> Option<(&'a mut [u8], &'a mut InstanceState)> {
    let memory = match caller.data().memory {
        Some(m) => m,
        None => caller.get_export("memory")?.into_memory()?,
    };
    Some(memory.data_and_store_mut(caller))
}

fn errno<T>(result: Result<T, crate::errors::WireError>) -> i32 {
    match result {
        Ok(_) => SUCCESS,
        Err(_) => EFAULT,
    }
}

/// The (ptr, len) pairs of an iovec array, or the errno to return for a bad one.
fn iovecs(mem: &[u8], iovs: i32, count: i32) -> Result<Vec<(u32, u32)>, i32> {
    if count as u32 > MAX_IOVECS {
        return Err(EINVAL);
    }
    (0..count as u32)
        .map(|i| {
            let entry = (iovs as u32).checked_add(i * 8).ok_or(EFAULT)?;
            let ptr = read_u32(mem, entry).map_err(|_| EFAULT)?;
            let len = read_u32(mem, entry.wrapping_add(4)).map_err(|_| EFAULT)?;
            Ok((ptr, len))
        })
        .collect()
}

fn fd_write(mut caller: Ctx<'_>, fd: i32, iovs: i32, iovs_len: i32, nwritten: i32) -> i32 {
    let Some((mem, state)) = memory_and_state(&mut caller) else { return EFAULT };
    let capture = match fd {
        1 => &mut state.stdout,
        2 => &mut state.stderr,
        _ => return EBADF,
    };
    let list = match iovecs(mem, iovs, iovs_len) {
        Ok(list) => list,
        Err(errno) => return errno,
    };
    let mut total: u32 = 0;
    for (ptr, len) in list {
        let Ok(data) = slice(mem, ptr, len) else { return EFAULT };
        capture.write(data);
        total = total.saturating_add(len);
    }
    errno(write_u32(mem, nwritten as u32, total))
}

fn fd_read(mut caller: Ctx<'_>, fd: i32, iovs: i32, iovs_len: i32, nread: i32) -> i32 {
    let Some((mem, state)) = memory_and_state(&mut caller) else { return EFAULT };
    if fd != 0 {
        return EBADF;
    }
    let list = match iovecs(mem, iovs, iovs_len) {
        Ok(list) => list,
        Err(errno) => return errno,
    };
    let mut total: u32 = 0;
    for (ptr, len) in list {
        let remaining = &state.stdin[state.stdin_pos..];
        let n = remaining.len().min(len as usize);
        let Ok(dest) = slice_mut(mem, ptr, n as u32) else { return EFAULT };
        dest.copy_from_slice(&remaining[..n]);
        state.stdin_pos += n;
        total += n as u32;
        if n < len as usize {
            break;
        }
    }
    errno(write_u32(mem, nread as u32, total))
}

fn fd_fdstat_get(mut caller: Ctx<'_>, fd: i32, buf: i32) -> i32 {
    if !(0..=2).contains(&fd) {
        return EBADF;
    }
    let Some((mem, _)) = memory_and_state(&mut caller) else { return EFAULT };
    let Ok(out) = slice_mut(mem, buf as u32, 24) else { return EFAULT };
    out.fill(0);
    out[0] = FILETYPE_CHARACTER_DEVICE;
    // rights: fd_read (bit 1) for stdin, fd_write (bit 6) for stdout/stderr
    let rights: u64 = if fd == 0 { 1 << 1 } else { 1 << 6 };
    out[8..16].copy_from_slice(&rights.to_le_bytes());
    SUCCESS
}

fn clock_time_get(mut caller: Ctx<'_>, clock: i32, _precision: i64, out: i32) -> i32 {
    let Some((mem, state)) = memory_and_state(&mut caller) else { return EFAULT };
    let now = match clock {
        0 => state.clock.realtime(),
        1..=3 => state.clock.monotonic(), // monotonic, process and thread CPU time
        _ => return EINVAL,
    };
    state.read_clock = true;
    errno(write_u64(mem, out as u32, now))
}

fn clock_res_get(mut caller: Ctx<'_>, clock: i32, out: i32) -> i32 {
    if !(0..=3).contains(&clock) {
        return EINVAL;
    }
    let Some((mem, _)) = memory_and_state(&mut caller) else { return EFAULT };
    errno(write_u64(mem, out as u32, 1_000))
}

fn random_get(mut caller: Ctx<'_>, buf: i32, len: i32) -> i32 {
    let Some((mem, state)) = memory_and_state(&mut caller) else { return EFAULT };
    let Ok(out) = slice_mut(mem, buf as u32, len as u32) else { return EFAULT };
    for byte in out.iter_mut() {
        *byte = state.next_random_byte();
    }
    SUCCESS
}

/// Writes zero counts for `args_sizes_get` / `environ_sizes_get`: the guest has neither.
fn empty_sizes(mut caller: Ctx<'_>, count: i32, size: i32) -> i32 {
    let Some((mem, _)) = memory_and_state(&mut caller) else { return EFAULT };
    if write_u32(mem, count as u32, 0).is_err() || write_u32(mem, size as u32, 0).is_err() {
        return EFAULT;
    }
    SUCCESS
}

pub fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    const M: &str = "wasi_snapshot_preview1";
    linker.func_wrap(M, "fd_write", fd_write)?;
    linker.func_wrap(M, "fd_read", fd_read)?;
    linker.func_wrap(M, "fd_fdstat_get", fd_fdstat_get)?;
    linker.func_wrap(M, "clock_time_get", clock_time_get)?;
    linker.func_wrap(M, "clock_res_get", clock_res_get)?;
    linker.func_wrap(M, "random_get", random_get)?;
    linker.func_wrap(M, "args_sizes_get", empty_sizes)?;
    linker.func_wrap(M, "environ_sizes_get", empty_sizes)?;
    linker.func_wrap(M, "args_get", |_: Ctx<'_>, _: i32, _: i32| SUCCESS)?;
    linker.func_wrap(M, "environ_get", |_: Ctx<'_>, _: i32, _: i32| SUCCESS)?;
    linker.func_wrap(M, "fd_close", |_: Ctx<'_>, fd: i32| if (0..=2).contains(&fd) { SUCCESS } else { EBADF })?;
    linker.func_wrap(M, "fd_sync", |_: Ctx<'_>, fd: i32| if (0..=2).contains(&fd) { SUCCESS } else { EBADF })?;
    linker.func_wrap(M, "fd_fdstat_set_flags", |_: Ctx<'_>, _: i32, _: i32| ENOTSUP)?;
    linker.func_wrap(M, "fd_prestat_get", |_: Ctx<'_>, _: i32, _: i32| EBADF)?;
    linker.func_wrap(M, "fd_prestat_dir_name", |_: Ctx<'_>, _: i32, _: i32, _: i32| EBADF)?;
    linker.func_wrap(M, "fd_seek", |_: Ctx<'_>, fd: i32, _: i64, _: i32, _: i32| {
        if (0..=2).contains(&fd) { ESPIPE } else { EBADF }
    })?;
    linker.func_wrap(M, "fd_filestat_get", |_: Ctx<'_>, _: i32, _: i32| EBADF)?;
    linker.func_wrap(
        M,
        "path_open",
        |_: Ctx<'_>, _: i32, _: i32, _: i32, _: i32, _: i32, _: i64, _: i64, _: i32, _: i32| ENOTCAPABLE,
    )?;
    linker.func_wrap(M, "poll_oneoff", |_: Ctx<'_>, _: i32, _: i32, _: i32, _: i32| ENOTSUP)?;
    linker.func_wrap(M, "sched_yield", |_: Ctx<'_>| SUCCESS)?;
    linker.func_wrap(M, "proc_exit", |_: Ctx<'_>, code: i32| -> wasmtime::Result<()> {
        Err(GuestExit(code).into())
    })?;
    Ok(())
}
