//! Places in a sorted order, for sorting many rows on integers instead of comparing their names
//! at every step.

/// The place of each key in the sorted order of `keys` (equal keys get distinct places).
pub fn ranks<T: Ord>(keys: &[T]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..keys.len() as u32).collect();
    order.sort_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]));
    let mut rank = vec![0; keys.len()];
    for (place, &i) in (0u32..).zip(&order) {
        rank[i as usize] = place;
    }
    rank
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranks_follow_the_sorted_order() {
        assert_eq!(super::ranks(&["carol", "alice", "bob"]), vec![2, 0, 1]);
        assert_eq!(super::ranks::<&str>(&[]), Vec::<u32>::new());
    }
}
