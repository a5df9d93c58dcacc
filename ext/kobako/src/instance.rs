//! Starting a guest instance in a store: instantiate, bind the exports the host calls back
//! into, open the interpreter (`__kobako_init`) and arm the memory cap; and placing host
//! bytes in guest memory. Shared by the drivers (one invocation, a session) and by the
//! per-Sandbox image capture.

use wasmtime::{Instance, Memory, Store};

use crate::faults::DispatchFault;
use crate::guest_module::{GuestModule, SETUP_FUEL};
use crate::store_state::{Exports, InstanceState};

/// A new instance in `store`, its interpreter started and the memory cap armed at its
/// current size (the invocation's entry size, contract C-2). A metered store gets the
/// start-up allowance; budgets start with `refuel`.
pub fn start_instance(module: &GuestModule, store: &mut Store<InstanceState>) -> wasmtime::Result<(Instance, Memory)> {
    if module.metered {
        store.set_fuel(SETUP_FUEL)?;
        store.data_mut().metering = false;
    }
    let instance = module.pre.instantiate(&mut *store)?;
    let memory = instance
        .get_memory(&mut *store, "memory")
        .ok_or_else(|| DispatchFault("the guest has no memory export".into()))?;
    store.data_mut().memory = Some(memory);
    bind_exports(&instance, store)?;

    let init = instance.get_typed_func::<(), i32>(&mut *store, "__kobako_init")?;
    if init.call(&mut *store, ())? == 0 {
        return Err(DispatchFault("the guest could not start its interpreter".into()).into());
    }
    let baseline = memory.data_size(&*store);
    store.data_mut().memory_cap.arm(baseline);
    Ok((instance, memory))
}

/// Copies `bytes` into memory from `__kobako_alloc`; the guest releases it after reading.
pub fn place_in_guest(store: &mut Store<InstanceState>, memory: Memory, bytes: &[u8]) -> wasmtime::Result<(i32, i32)> {
    let len = i32::try_from(bytes.len())
        .ok()
        .filter(|&len| len > 0 && len as usize <= crate::guest_memory::MAX_PAYLOAD)
        .ok_or_else(|| DispatchFault(format!("the run envelope is {} bytes, outside 1..=16 MiB", bytes.len())))?;
    let alloc = store.data().exports.as_ref().map(|e| e.alloc.clone()).ok_or_else(|| DispatchFault("exports not bound".into()))?;
    let ptr = alloc.call(&mut *store, len)?;
    if ptr == 0 {
        return Err(DispatchFault(format!("the guest could not allocate {len} bytes for the run envelope")).into());
    }
    crate::guest_memory::slice_mut(memory.data_mut(&mut *store), ptr as u32, len as u32)
        .map_err(|e| DispatchFault(format!("the guest allocated the run envelope out of bounds: {e}")))?
        .copy_from_slice(bytes);
    Ok((ptr, len))
}

fn bind_exports(instance: &Instance, store: &mut Store<InstanceState>) -> wasmtime::Result<()> {
    let alloc = instance.get_typed_func::<i32, i32>(&mut *store, "__kobako_alloc")?;
    let yield_to_block = instance.get_typed_func::<(i32, i32), i64>(&mut *store, "__kobako_yield_to_block")?;
    store.data_mut().exports = Some(Exports { alloc, yield_to_block });
    Ok(())
}
