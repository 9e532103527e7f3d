//! The result of a job spawned on a [`ThreadPool`](super::ThreadPool): a one-shot slot written by
//! the worker and read through a [`JoinHandle`], which blocks in [`JoinHandle::join`] or, being a
//! [`Future`], can be awaited. A one-shot channel, as `std::thread::JoinHandle` or tokio's
//! `oneshot` are; the condition variable is signalled only if someone is blocked on it.
//!
//! The writing half is dropped unrun when a cancelling shutdown discards the job; its `Drop`
//! then stores [`JoinError::Cancelled`], so no joiner ever waits for a job that will not run.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::PoisonError;
use std::task::{Context, Poll, Waker};

use crate::chaos;
use crate::sync::{Arc, Condvar, Mutex};

/// Why a spawned job produced no value.
pub enum JoinError {
    /// The job panicked; here is the panic's payload (as `std::thread::JoinHandle::join` gives).
    Panicked(Box<dyn Any + Send + 'static>),
    /// A cancelling shutdown dropped the job before it ran.
    Cancelled,
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Panicked(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
                write!(f, "job panicked: {}", message.unwrap_or("(non-string payload)"))
            }
            Self::Cancelled => f.write_str("job cancelled by shutdown before it ran"),
        }
    }
}

impl std::error::Error for JoinError {}

struct Slot<R> {
    state: Mutex<SlotState<R>>,
    /// Signalled once the outcome is stored, if `SlotState::joiner_blocked`.
    done: Condvar,
}

struct SlotState<R> {
    /// `None` until the job finishes, panics or is dropped unrun; taken by the joiner.
    outcome: Option<Result<R, JoinError>>,
    /// A thread is blocked in `join`, so storing the outcome must signal `done`.
    joiner_blocked: bool,
    /// The task that last polled the handle, woken when the outcome is stored.
    waker: Option<Waker>,
}

/// Waits for the outcome of a job spawned with [`ThreadPool::spawn`](super::ThreadPool::spawn).
pub struct JoinHandle<R> {
    slot: Arc<Slot<R>>,
}

/// The writing half, moved into the job. Stores the outcome once; stores
/// [`JoinError::Cancelled`] if dropped without doing so.
pub(crate) struct Promise<R> {
    slot: Option<Arc<Slot<R>>>,
}

/// A linked promise and handle.
pub(crate) fn promise<R>() -> (Promise<R>, JoinHandle<R>) {
    let state = SlotState { outcome: None, joiner_blocked: false, waker: None };
    let slot = Arc::new(Slot { state: Mutex::new(state), done: Condvar::new() });
    (Promise { slot: Some(slot.clone()) }, JoinHandle { slot })
}

impl<R> Promise<R> {
    /// Stores the job's outcome and wakes whoever waits for it.
    pub(crate) fn complete(mut self, outcome: Result<R, JoinError>) {
        if let Some(slot) = self.slot.take() {
            Self::store(&slot, outcome);
        }
    }

    fn store(slot: &Slot<R>, outcome: Result<R, JoinError>) {
        let mut state = slot.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.outcome = Some(outcome);
        let waker = state.waker.take();
        let blocked = state.joiner_blocked;
        drop(state);
        chaos::point();
        if blocked {
            slot.done.notify_one();
        }
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<R> Drop for Promise<R> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            Self::store(&slot, Err(JoinError::Cancelled));
        }
    }
}

impl<R> JoinHandle<R> {
    /// Blocks until the job has finished and returns its value, or why there is none.
    pub fn join(self) -> Result<R, JoinError> {
        let mut state = self.slot.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.joiner_blocked = true;
        loop {
            if let Some(outcome) = state.outcome.take() {
                return outcome;
            }
            state = self.slot.done.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Whether the outcome is ready, so that [`join`](Self::join) would not block.
    pub fn is_finished(&self) -> bool {
        self.slot.state.lock().unwrap_or_else(PoisonError::into_inner).outcome.is_some()
    }
}

impl<R> Future for JoinHandle<R> {
    type Output = Result<R, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.slot.state.lock().unwrap_or_else(PoisonError::into_inner);
        match state.outcome.take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
