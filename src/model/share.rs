//! Weighted max-min fair sharing: how a hypervisor or the fair-share scheduler splits a
//! capacity among busy and idle claimants.
//!
//! Each claimant gets `min(demand, level × weight)`, with the water level chosen so that the
//! whole capacity is used unless every demand is met. This reproduces PRM's documented
//! behaviour: groups with 30/20/50 shares, the 20 % group idle, get 37.5 % and 62.5 %.

/// Split `capacity` among claimants; writes each one's grant into `grant` and returns the
/// water level (grant per unit of weight of those left short), or infinity when every demand
/// is met.
///
/// `demand[i] ≥ 0` is what claimant `i` could use this segment (already capped at its maximum);
/// `weight[i] > 0`. Grants never exceed demands and their sum never exceeds `capacity`. The
/// water-fill from zero floors, [`super::waterfill::rise_from_zero`]: O(k) when contention
/// settles in one pass, which is the common case; it allocates nothing.
#[inline]
pub fn weighted_fair_share(
    capacity: f64,
    demand: &[f64],
    weight: &[f64],
    grant: &mut [f64],
) -> f64 {
    super::waterfill::rise_from_zero(capacity, grant, demand, weight)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// PRM product overview [PRM1]: 30/20/50 shares, the 20 % group idle → 37.5 / 0 / 62.5.
    #[test]
    fn prm_idle_group_cycles_go_by_shares() {
        let mut grant = [0.0; 3];
        weighted_fair_share(100.0, &[100.0, 0.0, 100.0], &[30.0, 20.0, 50.0], &mut grant);
        assert!((grant[0] - 37.5).abs() < 1e-12);
        assert_eq!(grant[1], 0.0);
        assert!((grant[2] - 62.5).abs() < 1e-12);
    }

    /// A claimant that needs less than its share gives the rest to the others by weight:
    /// capacity 10, weights 1:1:2, demands 1, 10, 10 → 1, then 9 split 1:2 → 3 and 6.
    #[test]
    fn small_demand_is_met_and_rest_split_by_weight() {
        let mut grant = [0.0; 3];
        weighted_fair_share(10.0, &[1.0, 10.0, 10.0], &[1.0, 1.0, 2.0], &mut grant);
        assert_eq!(grant[0], 1.0);
        assert!((grant[1] - 3.0).abs() < 1e-12);
        assert!((grant[2] - 6.0).abs() < 1e-12);
    }

    proptest! {
        #[test]
        fn grants_respect_demand_capacity_and_fairness(
            capacity in 0.0f64..100.0,
            claims in prop::collection::vec((0.0f64..50.0, 0.05f64..10.0), 1..12),
        ) {
            let demand: Vec<f64> = claims.iter().map(|c| c.0).collect();
            let weight: Vec<f64> = claims.iter().map(|c| c.1).collect();
            let mut grant = vec![0.0; claims.len()];
            weighted_fair_share(capacity, &demand, &weight, &mut grant);
            let total: f64 = grant.iter().sum();
            prop_assert!(total <= capacity.max(demand.iter().sum::<f64>().min(capacity)) + 1e-9);
            for i in 0..grant.len() {
                prop_assert!(grant[i] >= 0.0 && grant[i] <= demand[i] + 1e-12);
            }
            // Work-conserving: either every demand is met or the capacity is used up.
            let all_met = (0..grant.len()).all(|i| grant[i] >= demand[i] - 1e-9);
            prop_assert!(all_met || (total - capacity).abs() <= 1e-9 * capacity.max(1.0));
            // Max-min fairness: a claimant left short has the highest grant/weight of all.
            for i in 0..grant.len() {
                if grant[i] < demand[i] - 1e-9 {
                    for j in 0..grant.len() {
                        prop_assert!(grant[j] / weight[j] <= grant[i] / weight[i] + 1e-9);
                    }
                }
            }
        }
    }
}
