//! The kernel's CPU list format (`0-3,8,10-11`), as sysfs writes it and `summary.csv` records
//! it: read for the topology files, written for the `cpu_list` column.

/// The CPUs of a list such as `0-3,8`, ascending without duplicates; `None` when malformed. An
/// empty list is no CPUs.
pub fn parse(text: &str) -> Option<Vec<usize>> {
    let mut cpus = Vec::new();
    for item in text.trim().split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item.split_once('-') {
            Some((low, high)) => {
                let (low, high): (usize, usize) = (low.parse().ok()?, high.parse().ok()?);
                if low > high {
                    return None;
                }
                cpus.extend(low..=high);
            }
            None => cpus.push(item.parse().ok()?),
        }
    }
    cpus.sort_unstable();
    cpus.dedup();
    Some(cpus)
}

/// `cpus` in the kernel's format: runs of three or more as ranges (`0-2`), the rest listed, so
/// `[0, 1]` is `0,1` and `[0, 1, 2, 5]` is `0-2,5`.
pub fn format(cpus: &[usize]) -> String {
    let mut sorted = cpus.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
            j += 1;
        }
        match j - i {
            0 => parts.push(sorted[i].to_string()),
            1 => parts.extend([sorted[i].to_string(), sorted[j].to_string()]),
            _ => parts.push(format!("{}-{}", sorted[i], sorted[j])),
        }
        i = j + 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_and_write_as_the_kernel_does() {
        assert_eq!(parse("0-3,8,10-11\n"), Some(vec![0, 1, 2, 3, 8, 10, 11]));
        assert_eq!(parse("5"), Some(vec![5]));
        assert_eq!(parse(""), Some(vec![]));
        assert_eq!(parse("3-1"), None);
        assert_eq!(parse("a"), None);
        assert_eq!(format(&[0]), "0");
        assert_eq!(format(&[1, 0]), "0,1");
        assert_eq!(format(&[0, 1, 2, 5, 7, 8]), "0-2,5,7,8");
        for text in ["0", "0,1", "0-3,8,10-12"] {
            assert_eq!(format(&parse(text).unwrap()), text);
        }
    }
}
