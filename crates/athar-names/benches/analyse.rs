//! Throughput of analyse + keys on a mix of ⅓ Arabic, ⅓ Cyrillic, ⅓ Latin three-part names.
//! Run: `cargo bench -p athar-names --bench analyse`. Goal: ≥ 500,000 names per second per core.

use athar_names::NameEngine;

/// The binary's allocator (see `crates/athar/src/main.rs`), so the figure is the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

mod mix;

#[divan::bench(sample_count = 60)]
fn analyse_and_keys(bencher: divan::Bencher) {
    let engine = NameEngine::new();
    let names = mix::names();
    bencher.counter(divan::counter::ItemsCount::new(names.len())).bench_local(|| {
        let mut n = 0usize;
        for name in &names {
            let a = engine.analyse(divan::black_box(name));
            n += a.keys().len();
        }
        n
    });
}
