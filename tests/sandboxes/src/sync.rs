//! Locking for the sandboxes' shared state.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, ignoring poisoning: the state behind it is plain records and settings that a
/// panic elsewhere (a failed assertion in another task) cannot leave half-updated in a way that
/// matters to a sandbox.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
