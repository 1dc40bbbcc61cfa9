//! Deterministic app names for tests and benchmarks: realistic, varied in
//! length, and always valid DNS labels.

/// `count` distinct valid app names, the same for the same `seed`.
pub fn generated_app_names(count: usize, seed: u64) -> Vec<String> {
    const WORDS: [&str; 16] = [
        "pay",
        "ledger",
        "auth",
        "search",
        "orders",
        "risk",
        "notify",
        "cart",
        "ship",
        "fraud",
        "billing",
        "catalog",
        "inventory",
        "profile",
        "report",
        "gateway",
    ];
    let mut rng = SplitMix64(seed);
    let mut seen = std::collections::BTreeSet::new();
    let mut names = Vec::with_capacity(count);
    while names.len() < count {
        let name = match rng.next() % 3 {
            // word-word, as most real app names look
            0 => format!(
                "{}-{}",
                WORDS[(rng.next() % 16) as usize],
                WORDS[(rng.next() % 16) as usize]
            ),
            // word + number, e.g. a sharded service
            1 => format!(
                "{}{}",
                WORDS[(rng.next() % 16) as usize],
                rng.next() % 10_000
            ),
            // a random label of 1-40 characters
            _ => random_label(&mut rng),
        };
        if seen.insert(name.clone()) {
            names.push(name);
        }
    }
    names
}

fn random_label(rng: &mut SplitMix64) -> String {
    const TAIL: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-";
    let len = 1 + (rng.next() % 40) as usize;
    let mut label = String::with_capacity(len);
    label.push((b'a' + (rng.next() % 26) as u8) as char);
    for _ in 1..len {
        label.push(TAIL[(rng.next() % TAIL.len() as u64) as usize] as char);
    }
    while label.ends_with('-') {
        label.pop();
        label.push('x');
    }
    label
}

/// SplitMix64: tiny, fast and good enough to spread test names.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_valid_and_repeatable() {
        let names = generated_app_names(2000, 7);
        assert_eq!(names.len(), 2000);
        for name in &names {
            s2s_core::validate_app(name).unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(names, generated_app_names(2000, 7));
        assert_ne!(names, generated_app_names(2000, 8));
    }
}
