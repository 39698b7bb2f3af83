//! What the metrics cost an invocation: gathering the figures of a 10-record batch of one
//! account (ten outcomes, twenty ledger requests and one platform call counted through the
//! task-local probe) and writing its EMF line, and the same for a 10,000-record batch.
//!
//! `cargo bench -p orderstatus --bench metrics` (add `-- --quick` for a fast look).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use orderstatus::batch::Outcome;
use orderstatus::metrics::{
    InvocationMetrics, LineContext, emf_lines, ledger_request, platform_attempt,
};

/// The figures of a batch of `records` new orders: two ledger requests per record, one
/// platform call per 100 records, then the lines.
async fn invocation(records: usize) -> Vec<String> {
    let metrics = InvocationMetrics::default();
    let probe = metrics.account("default");
    for _ in 0..records {
        probe.scope(ledger_request(async {})).await;
        probe.scope(ledger_request(async {})).await;
    }
    for _ in 0..records.div_ceil(100) {
        probe
            .scope(async { platform_attempt(1, Duration::from_millis(40), Some(200)) })
            .await;
        probe.add(|f| f.units_per_call.add(100.0));
    }
    let uploaded = Outcome::Uploaded {
        references: Vec::new(),
    };
    for _ in 0..records {
        probe.count_message(&uploaded, false, Some(1_500));
    }
    let context = LineContext {
        function_request_id: Some("f9d4c0cf-84ce-435a-8e92-f53512739302"),
        xray_trace_id: Some("Root=1-6b10108b-e01edf522f3f41219698b8e9;Sampled=0"),
    };
    emf_lines("cv3", &metrics.figures(), 1_796_214_923_859, context)
}

fn metrics(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("metrics_per_invocation");
    for records in [10, 10_000] {
        group.bench_with_input(BenchmarkId::from_parameter(records), &records, |b, &n| {
            b.iter(|| black_box(runtime.block_on(invocation(n))))
        });
    }
    group.finish();
    let bytes: usize = runtime
        .block_on(invocation(10))
        .iter()
        .map(|l| l.len() + 1)
        .sum();
    println!("EMF bytes per invocation (one account, 10 records): {bytes}");
    let bytes: usize = runtime
        .block_on(invocation(10_000))
        .iter()
        .map(|l| l.len() + 1)
        .sum();
    println!("EMF bytes per invocation (one account, 10,000 records): {bytes}");
}

criterion_group!(benches, metrics);
criterion_main!(benches);
