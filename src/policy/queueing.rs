//! The response-time estimate behind WLM metric goals when no measured metric is given: each
//! compartment is an M/M/c queue with c = its allocated cores and offered load a = the cores it
//! consumes, so the mean response time is the service time plus the Erlang C waiting time.
//!
//! R = S · (1 + C(c, a) / (c − a)), where C(c, a) is the probability that a request waits.
//! A saturated queue (a ≥ c) has no steady state and reports infinity.

/// Erlang C: the probability that an arriving request waits, for `servers` servers and offered
/// load `load` (in servers, i.e. arrival rate × service time). Computed with the stable
/// Erlang B recursion B(k) = a·B(k−1) / (k + a·B(k−1)), C = B / (1 − ρ(1 − B)).
pub fn erlang_c(servers: u32, load: f64) -> f64 {
    if servers == 0 || load.is_nan() || load < 0.0 {
        return 1.0;
    }
    let c = servers as f64;
    if load >= c {
        return 1.0;
    }
    let mut b = 1.0;
    for k in 1..=servers {
        b = load * b / (k as f64 + load * b);
    }
    let rho = load / c;
    b / (1.0 - rho * (1.0 - b))
}

/// Mean response time of an M/M/c queue, in units of the service time, or infinity when the
/// load reaches the servers.
pub fn response_time(servers: u32, load: f64, service_time: f64) -> f64 {
    let c = servers as f64;
    if servers == 0 || load >= c {
        return f64::INFINITY;
    }
    service_time * (1.0 + erlang_c(servers, load) / (c - load.max(0.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// C(1, a) = ρ for a single server: M/M/1 waits with probability ρ, and R = S/(1 − ρ).
    #[test]
    fn single_server_is_mm1() {
        assert!((erlang_c(1, 0.6) - 0.6).abs() < 1e-12);
        assert!((response_time(1, 0.6, 1.0) - 2.5).abs() < 1e-12);
    }

    /// From the closed form: C(2, 1) = (a²/2! · c/(c−a)) / (1 + a + a²/2! · c/(c−a))
    /// = (0.5 · 2) / (1 + 1 + 1) = 1/3; R = S (1 + (1/3)/(2 − 1)) = 4/3 S.
    #[test]
    fn two_servers_half_loaded() {
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        assert!((response_time(2, 1.0, 3.0) - 4.0).abs() < 1e-12);
    }

    /// A published table value (Kleinrock, Queueing Systems vol. 1; also any Erlang C
    /// calculator): 10 agents, 8 erlangs of load → C ≈ 0.4092.
    #[test]
    fn ten_servers_eight_erlangs() {
        assert!(
            (erlang_c(10, 8.0) - 0.4092).abs() < 1e-4,
            "{}",
            erlang_c(10, 8.0)
        );
    }

    #[test]
    fn saturation_has_no_steady_state() {
        assert_eq!(erlang_c(2, 2.0), 1.0);
        assert!(response_time(2, 2.5, 1.0).is_infinite());
    }
}
