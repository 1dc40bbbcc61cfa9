//! The work queue (SQS): a planning run enqueues one message per job with
//! `SendMessageBatch` (10 a call); `cert-issuer work` drains it the way the
//! Lambda event source does (receive up to 10, handle, delete the handled).

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, SendMessageBatchRequestEntry};
use futures_util::{stream, StreamExt};

use crate::aws::{describe, retry_config, CallCounter};
use crate::job::Job;

pub struct Queue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// A received message: its receipt handle and what it says.
#[derive(Debug)]
pub struct Received {
    pub receipt: String,
    pub job: Result<Job, String>,
}

impl Queue {
    pub fn new(
        sdk: &aws_config::SdkConfig,
        url: &str,
        attempts: u32,
        counter: &CallCounter,
    ) -> Self {
        let conf = aws_sdk_sqs::config::Builder::from(sdk)
            .retry_config(retry_config(attempts))
            .interceptor(counter.labelled("sqs"))
            .build();
        Self {
            client: aws_sdk_sqs::Client::from_conf(conf),
            url: url.to_owned(),
        }
    }

    /// Enqueue every job, `in_flight` batches at a time; returns how many
    /// could not be sent.
    pub async fn send_all(&self, jobs: &[Job], in_flight: usize) -> Result<usize, String> {
        let results: Vec<Result<usize, String>> = stream::iter(jobs.chunks(10))
            .map(|chunk| self.send_batch(chunk))
            .buffer_unordered(in_flight.max(1))
            .collect()
            .await;
        results.into_iter().sum()
    }

    async fn send_batch(&self, chunk: &[Job]) -> Result<usize, String> {
        let entries: Vec<SendMessageBatchRequestEntry> = chunk
            .iter()
            .enumerate()
            .map(|(i, j)| {
                SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(j.to_message())
                    .build()
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<_, _>>()?;
        let out = self
            .client
            .send_message_batch()
            .queue_url(&self.url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| format!("SendMessageBatch: {}", describe(&e)))?;
        Ok(out.failed().len())
    }

    /// Up to 10 messages (long poll of `wait_secs`).
    pub async fn receive(&self, wait_secs: i32) -> Result<Vec<Received>, String> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(10)
            .wait_time_seconds(wait_secs)
            .send()
            .await
            .map_err(|e| format!("ReceiveMessage: {}", describe(&e)))?;
        Ok(out
            .messages()
            .iter()
            .filter_map(|m| {
                Some(Received {
                    receipt: m.receipt_handle()?.to_owned(),
                    job: Job::from_message(m.body().unwrap_or_default()),
                })
            })
            .collect())
    }

    /// Delete handled messages (the others come back after the visibility timeout).
    pub async fn delete(&self, receipts: &[String]) -> Result<(), String> {
        for chunk in receipts.chunks(10) {
            let entries: Vec<DeleteMessageBatchRequestEntry> = chunk
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(r)
                        .build()
                        .map_err(|e| e.to_string())
                })
                .collect::<Result<_, _>>()?;
            self.client
                .delete_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| format!("DeleteMessageBatch: {}", describe(&e)))?;
        }
        Ok(())
    }
}
