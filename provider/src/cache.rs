//! Shared reads within one Terraform operation.
//!
//! Terraform refreshes every resource with its own `ReadResource` call, up
//! to `-parallelism` at a time. Without sharing, refreshing N secret
//! assignments of one app would list the app's Keywhiz group N times. A
//! [`SharedReads`] map keeps one read per key:
//!
//! * **single flight**: concurrent callers of one key wait for the one
//!   request in flight and share its answer;
//! * **errors are not kept**: if the read fails, the next caller tries again;
//! * **writes invalidate**: after a write, [`SharedReads::invalidate`] drops
//!   the key, so the next read goes to the server;
//! * **no stale read across operations**: the map lives in the data that
//!   `ConfigureProvider` builds, and Terraform configures the provider anew
//!   for every operation (plan, apply, import, refresh), also when one
//!   process is reattached across runs in `--debug` mode.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

/// A map from key to one shared answer.
pub struct SharedReads<K, V> {
    cells: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
}

impl<K, V> Default for SharedReads<K, V> {
    fn default() -> Self {
        Self {
            cells: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> SharedReads<K, V> {
    /// The answer for `key`: the one already read, the one being read right
    /// now, or a fresh read with `load`.
    pub async fn get_or_load<E, F, Fut>(&self, key: &K, load: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
            cells.entry(key.clone()).or_default().clone()
        };
        cell.get_or_try_init(load).await.cloned()
    }

    /// Forgets `key`: the next read goes to the server.
    pub fn invalidate(&self, key: &K) {
        let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        cells.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_reads_make_one_request() {
        let reads: Arc<SharedReads<String, u32>> = Arc::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let reads = reads.clone();
            let calls = calls.clone();
            tasks.push(tokio::spawn(async move {
                reads
                    .get_or_load(&"payments".to_string(), || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok::<_, ()>(7)
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(7));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn errors_are_retried_and_writes_invalidate() {
        let reads: SharedReads<&str, u32> = SharedReads::default();
        let failed: Result<u32, &str> = reads.get_or_load(&"a", || async { Err("503") }).await;
        assert_eq!(failed, Err("503"));
        let ok: Result<u32, &str> = reads.get_or_load(&"a", || async { Ok(1) }).await;
        assert_eq!(ok, Ok(1));
        let cached: Result<u32, &str> = reads.get_or_load(&"a", || async { Ok(2) }).await;
        assert_eq!(cached, Ok(1));
        reads.invalidate(&"a");
        let fresh: Result<u32, &str> = reads.get_or_load(&"a", || async { Ok(3) }).await;
        assert_eq!(fresh, Ok(3));
    }
}
