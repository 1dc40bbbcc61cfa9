//! Scale past one Lambda run: a planning run enqueues one SQS message per due
//! (app, account) in batches of ten; workers drain the queue. A message
//! delivered twice issues once — after the first is done (the secret's tags
//! say it is current) and at the same time (the idempotency token makes the
//! CA answer both with one certificate; the key check keeps the other worker
//! from writing it). A job older than the age limit is dropped.

use crate::common;

use cert_issuer::clock::Clock;
use cert_issuer::job::Job;
use cert_issuer::work::Outcome;
use common::{seed, spiffe, AppSeed, World, HOUR};

const ACCOUNTS: [&str; 3] = ["111111111111", "222222222222", "333333333333"];

async fn take_all(w: &World) -> Vec<Job> {
    let sqs = aws_sdk_sqs::Client::new(&w.plain);
    let mut jobs = Vec::new();
    loop {
        let got = w.receive().await;
        if got.is_empty() {
            return jobs;
        }
        for m in &got {
            jobs.push(Job::from_message(m.body().unwrap_or_default()).expect("a job"));
            sqs.delete_message()
                .queue_url(&w.queue_url)
                .receipt_handle(m.receipt_handle().unwrap_or_default())
                .send()
                .await
                .expect("delete");
        }
    }
}

async fn send(w: &World, jobs: &[Job]) {
    let sqs = aws_sdk_sqs::Client::new(&w.plain);
    for j in jobs {
        sqs.send_message()
            .queue_url(&w.queue_url)
            .message_body(j.to_message())
            .send()
            .await
            .expect("send");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planned_jobs_go_through_sqs_and_duplicates_issue_once() {
    let w = World::start(seed(&[AppSeed {
        name: "payments",
        accounts: &[
            (ACCOUNTS[0], "staging"),
            (ACCOUNTS[1], "production"),
            (ACCOUNTS[2], "sandbox"),
        ],
        on: true,
        functions: &[],
    }]))
    .await;
    let mut settings = w.settings();
    settings.concurrency = 8;
    let issuer = w.issuer(settings);

    // Plan: three messages in one batch call; nothing issued yet.
    let r = issuer.plan().await;
    assert_eq!(
        (r.mode.as_str(), r.enqueued, r.issued),
        ("plan", 3, 0),
        "{r:?}"
    );
    assert_eq!(r.aws.get("sqs.SendMessageBatch"), 1);
    let jobs = take_all(&w).await;
    assert_eq!(jobs.len(), 3);

    // The worker drains the queue.
    send(&w, &jobs).await;
    let r = issuer.drain(0).await;
    assert_eq!(
        (r.due, r.issued, r.failed, r.ca_requests),
        (3, 3, 0, 3),
        "{r:?}"
    );
    for account in ACCOUNTS {
        w.stored(account, "payments")
            .await
            .expect("written")
            .bundle
            .check(&spiffe("payments"))
            .expect("bundle");
    }

    // The same messages again, after they were done: nothing issued.
    send(&w, &jobs).await;
    let r = issuer.drain(0).await;
    assert_eq!(
        (r.due, r.issued, r.skipped, r.ca_requests),
        (3, 0, 3, 0),
        "{r:?}"
    );
    assert!(
        take_all(&w).await.is_empty(),
        "handled messages are deleted"
    );

    // At the margin, every renewal delivered twice at the same time: one certificate each.
    w.clock.advance(12 * HOUR);
    issuer.plan().await;
    let jobs = take_all(&w).await;
    assert_eq!(jobs.len(), 3);
    let doubled: Vec<Job> = jobs.iter().flat_map(|j| [j.clone(), j.clone()]).collect();
    let before = w.ca.issued();
    let (_, outcomes) = issuer.work(&doubled).await;
    assert_eq!(w.ca.issued() - before, 3, "{outcomes:?}");
    for pair in outcomes.chunks(2) {
        let issued = pair
            .iter()
            .filter(|o| matches!(o, Outcome::Issued { .. }))
            .count();
        assert_eq!(issued, 1, "{pair:?}");
    }
    // The loser of each race, redelivered, finds the secret current.
    let (r, _) = issuer.work(&jobs).await;
    assert_eq!((r.issued, r.skipped, r.ca_requests), (0, 3, 0), "{r:?}");

    // A job that waited past the age limit is dropped, not done.
    w.clock.advance(2 * HOUR);
    let (r, outcomes) = issuer.work(&jobs[..1]).await;
    assert_eq!(outcomes, vec![Outcome::Stale]);
    assert_eq!(r.ca_requests, 0);
    assert_eq!(w.clock.now() - jobs[0].planned_at(), 2 * HOUR);
}
