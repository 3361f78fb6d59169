//! Licensing: TiCAP per domain, pricing per server (iCAP, TiCAP, PPU, GiCAP groups).

use super::*;

impl Compiler<'_> {
    /// Domains that may activate Temporary Instant Capacity: nPar domains of a complex that
    /// has a TiCAP balance.
    pub(super) fn compile_domain_ticap(
        &self,
        raw: &RawScenario,
        nodes: &[Node],
        pricing: &[ServerPricing],
        domains: &mut [Domain],
    ) -> Result<(), Error> {
        // gWLM domains and WLM's arbiters alike: (domain name, ticap settings, field prefix,
        // whether the domain is an arbiter).
        let wants = raw
            .policies
            .iter()
            .enumerate()
            .filter_map(|(k, rd)| {
                rd.get_ref().ticap.as_ref().map(|t| {
                    (
                        rd.get_ref().domain.get_ref(),
                        t,
                        format!("policies[{k}]"),
                        false,
                    )
                })
            })
            .chain(raw.wlm_arbiters.iter().enumerate().filter_map(|(k, ra)| {
                ra.get_ref().ticap.as_ref().map(|t| {
                    (
                        ra.get_ref().domain.get_ref(),
                        t,
                        format!("wlm_arbiters[{k}]"),
                        true,
                    )
                })
            }));
        for (dname, t, prefix, arbiter) in wants {
            let field = |f: &str| format!("{prefix} ({dname}).ticap{f}");
            let Some(d) = domains.iter_mut().find(|d| {
                nodes[d.node.0 as usize].name == *dname
                    && d.wlm_sources.iter().any(Option::is_some) == arbiter
            }) else {
                continue;
            };
            if !matches!(d.capacity, Capacity::Pooled(_)) {
                return Err(self.err(t.span(), field(""), "Temporary Instant Capacity activates cores of a complex: only a domain of nPars can use it"));
            }
            let Some(server) = pricing.iter().position(|p| p.server == d.node) else {
                continue;
            };
            let p = &pricing[server];
            // A GiCAP member can borrow its group's spare rights, and its group's balance.
            if p.ticap.is_none() && p.group.is_none() {
                return Err(self.err(t.span(), field(""), format!("`{dname}` has no TiCAP balance; give the server `ticap = {{ balance_core_minutes = … }}`")));
            }
            let tv = t.get_ref();
            let reserve_days = tv.reserve_days.unwrap_or(15.0);
            if !(reserve_days.is_finite() && reserve_days >= 0.0) {
                return Err(self.err(
                    t.span(),
                    field(".reserve_days"),
                    "expected a number of processing-days ≥ 0",
                ));
            }
            let active = nodes[d.node.0 as usize].cores as f64;
            d.ticap = Some(policy::TicapUse {
                server,
                utilitypri: tv.utilitypri,
                reserve_days,
                max_extra: (p.installed as f64 - active).max(0.0),
            });
        }
        Ok(())
    }

    /// Usage rights, utility pricing and hardware prices per server (DOMAIN.md §4).
    pub(super) fn compile_pricing(
        &self,
        raw: &RawScenario,
        nodes: &[Node],
    ) -> Result<(Vec<ServerPricing>, Vec<GicapGroup>), Error> {
        let mut out = Vec::with_capacity(raw.servers.len());
        // Group membership first: a member's own checks depend on its group.
        let mut member_of: HashMap<&str, usize> = HashMap::new();
        for (g, rg) in raw.gicap.iter().enumerate() {
            let r = rg.get_ref();
            for m in r.members.get_ref() {
                if !raw.servers.iter().any(|s| s.get_ref().name.get_ref() == m) {
                    return Err(self.err(
                        r.members.span(),
                        format!("gicap[{g}] ({}).members", r.name.get_ref()),
                        format!("`{m}` is not a server"),
                    ));
                }
                if let Some(prev) = member_of.insert(m.as_str(), g) {
                    return Err(self.err(r.members.span(), format!("gicap[{g}] ({}).members", r.name.get_ref()), format!("`{m}` is already a member of gicap[{prev}]; a complex belongs to one group")));
                }
            }
            if r.members.get_ref().len() < 2 {
                return Err(self.err(
                    r.members.span(),
                    format!("gicap[{g}] ({}).members", r.name.get_ref()),
                    "a group needs at least two complexes",
                ));
            }
        }
        let roots = nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.parent.is_none())
            .map(|(i, _)| NodeId(i as u32));
        for ((s, rs), id) in raw.servers.iter().enumerate().zip(roots) {
            let r = rs.get_ref();
            let name = r.name.get_ref();
            let field = |f: &str| format!("servers[{s}] ({name}).{f}");
            let installed = *r.cells.get_ref() * *r.cores_per_cell.get_ref();
            let active = nodes[id.0 as usize].cores;
            let money = |v: f64, span: Range<usize>, f: &str| -> Result<f64, Error> {
                if v.is_finite() && v >= 0.0 {
                    Ok(v)
                } else {
                    Err(self.err(span, field(f), format!("{v}; expected an amount ≥ 0")))
                }
            };
            if let Some(ppu) = &r.ppu {
                // PPU and iCAP are mutually exclusive per server [PPU6].
                for (f, set) in [
                    ("rights", r.rights.is_some()),
                    ("buy_rights", r.buy_rights.is_some()),
                    ("ticap", r.ticap.is_some()),
                ] {
                    if set {
                        return Err(self.err(ppu.span(), field(f), format!("`{f}` is Instant Capacity, and Pay per use and Instant Capacity are mutually exclusive on one server")));
                    }
                }
            }
            let bought = r.buy_rights.as_ref().map_or(0, |b| *b.get_ref());
            let held = r.rights.as_ref().map_or(active, |v| *v.get_ref());
            if let Some(v) = &r.rights
                && *v.get_ref() > installed
            {
                return Err(self.err(v.span(), field("rights"), format!("{} rights for {installed} installed cores; expected at most the installed cores", v.get_ref())));
            }
            let rights = held.saturating_add(bought);
            if rights > installed {
                let span = r
                    .buy_rights
                    .as_ref()
                    .map(|b| b.span())
                    .unwrap_or(r.name.span());
                return Err(self.err(span, field("buy_rights"), format!("{rights} rights in all for {installed} installed cores; expected at most the installed cores")));
            }
            let group = member_of.get(name.as_str()).copied();
            if let Some(g) = group {
                if let Some(t) = &r.ticap {
                    return Err(self.err(t.span(), field("ticap"), format!("`{name}` is in the GiCAP group `{}`, whose members share one balance; give the group the ticap", raw.gicap[g].get_ref().name.get_ref())));
                }
                if let Some(p) = &r.ppu {
                    return Err(self.err(
                        p.span(),
                        field("ppu"),
                        "a GiCAP member uses Instant Capacity, which Pay per use excludes",
                    ));
                }
            }
            // Active cores beyond the rights run on Temporary Instant Capacity (a GiCAP
            // member may borrow its group's spare rights instead: checked for the group).
            if active > rights && r.ticap.is_none() && group.is_none() {
                let span = r
                    .active_cores
                    .as_ref()
                    .map(|a| a.span())
                    .unwrap_or(r.name.span());
                return Err(self.err(span, field("active_cores"), format!("{active} active cores but {rights} usage rights; buy rights (buy_rights) or give the server a ticap balance")));
            }
            let capex = match &r.capex {
                Some(c) => {
                    let v = c.get_ref();
                    if !(v.years.is_finite() && v.years > 0.0) {
                        return Err(self.err(
                            c.span(),
                            field("capex.years"),
                            "expected a positive number of years",
                        ));
                    }
                    Some((money(v.price, c.span(), "capex.price")?, v.years))
                }
                None => None,
            };
            let power = match &r.power {
                Some(p) => {
                    let v = p.get_ref();
                    if !(v.idle_w.is_finite()
                        && v.max_w.is_finite()
                        && v.idle_w >= 0.0
                        && v.idle_w <= v.max_w)
                    {
                        return Err(self.err(
                            p.span(),
                            field("power"),
                            "expected 0 ≤ idle_w ≤ max_w watts",
                        ));
                    }
                    Some((v.idle_w, v.max_w))
                }
                None => None,
            };
            let ticap = match &r.ticap {
                Some(t) => Some(self.ticap_config(t, &field("ticap"))?),
                None => None,
            };
            let ppu = match &r.ppu {
                Some(p) => {
                    let v = p.get_ref();
                    Some(PpuConfig {
                        metric: match v.metric {
                            RawPpuMetric::Percent => PpuMetricKind::Percent,
                            RawPpuMetric::Active => PpuMetricKind::Active,
                        },
                        price_per_core_month: money(
                            v.price_per_core_month,
                            p.span(),
                            "ppu.price_per_core_month",
                        )?,
                        fixed_per_month: money(v.fixed_per_month, p.span(), "ppu.fixed_per_month")?,
                    })
                }
                None => None,
            };
            let core_right_price = match &r.core_right_price {
                Some(p) => money(*p.get_ref(), p.span(), "core_right_price")?,
                None if bought > 0 => {
                    return Err(self.err(
                        r.buy_rights
                            .as_ref()
                            .map(|b| b.span())
                            .unwrap_or(r.name.span()),
                        field("core_right_price"),
                        "buying rights needs their price: core_right_price = amount per core",
                    ));
                }
                None => 0.0,
            };
            out.push(ServerPricing {
                server: id,
                installed,
                rights,
                rights_bought: bought,
                core_right_price,
                capex,
                power,
                ticap,
                ppu,
                group,
            });
        }
        let mut groups = Vec::with_capacity(raw.gicap.len());
        for (g, rg) in raw.gicap.iter().enumerate() {
            let r = rg.get_ref();
            let gname = r.name.get_ref();
            let field = |f: &str| format!("gicap[{g}] ({gname}).{f}");
            let members: Vec<usize> = (0..out.len())
                .filter(|&k| out[k].group == Some(g))
                .collect();
            let active: u64 = members
                .iter()
                .map(|&k| nodes[out[k].server.0 as usize].cores as u64)
                .sum();
            let rights: u64 = members.iter().map(|&k| out[k].rights as u64).sum();
            let unlicensed: u64 = members
                .iter()
                .map(|&k| (out[k].installed - out[k].rights.min(out[k].installed)) as u64)
                .sum();
            // Sharing rights for every core without a usage right [I13].
            if (*r.sharing_rights.get_ref() as u64) < unlicensed {
                return Err(self.err(r.sharing_rights.span(), field("sharing_rights"), format!("{} sharing rights for {unlicensed} cores without usage rights in the group; expected at least {unlicensed}", r.sharing_rights.get_ref())));
            }
            let ticap = match &r.ticap {
                Some(t) => Some(self.ticap_config(t, &field("ticap"))?),
                None => None,
            };
            if active > rights && ticap.is_none() {
                return Err(self.err(r.name.span(), field("ticap"), format!("the members run {active} active cores on {rights} usage rights; buy rights or give the group a ticap balance")));
            }
            groups.push(GicapGroup {
                name: gname.clone(),
                members,
                sharing_rights: *r.sharing_rights.get_ref(),
                ticap,
            });
        }
        Ok((out, groups))
    }

    /// A Temporary Instant Capacity balance (a server's or a GiCAP group's): amounts ≥ 0,
    /// warnings 15 days ahead by default [I10a].
    pub(super) fn ticap_config(
        &self,
        t: &Spanned<RawTicap>,
        field: &str,
    ) -> Result<TicapConfig, Error> {
        let v = t.get_ref();
        let warn_days = v.warn_days.unwrap_or(15.0);
        if v.balance_core_minutes.is_none() && v.blocks.is_none() {
            return Err(self.err(
                t.span(),
                field.to_string(),
                "no balance; expected `balance_core_minutes` (a balance held, paid when used) or `blocks` (30-core-day blocks bought at `price_per_block`)",
            ));
        }
        let price_per_block = v.price_per_block.unwrap_or(0.0);
        for (f, x, what) in [
            (
                "balance_core_minutes",
                v.balance_core_minutes.unwrap_or(0.0),
                "a number of core-minutes ≥ 0",
            ),
            ("price_per_core_day", v.price_per_core_day, "an amount ≥ 0"),
            ("price_per_block", price_per_block, "an amount ≥ 0"),
            ("warn_days", warn_days, "a number of days ≥ 0"),
        ] {
            if !(x.is_finite() && x >= 0.0) {
                return Err(self.err(
                    t.span(),
                    format!("{field}.{f}"),
                    format!("{}; expected {what}", num(x)),
                ));
            }
        }
        let blocks = v.blocks.unwrap_or(0);
        if blocks > 1_000_000 {
            return Err(self.err(
                t.span(),
                format!("{field}.blocks"),
                format!("{blocks}; expected at most 1,000,000 blocks of 30 core-days"),
            ));
        }
        if v.price_per_block.is_some() && v.blocks.is_none() {
            return Err(self.err(
                t.span(),
                format!("{field}.price_per_block"),
                "a price per block without `blocks`; say how many 30-core-day blocks are bought",
            ));
        }
        let expires_ms = match v.expires {
            None => None,
            Some(_) if blocks == 0 => {
                return Err(self.err(
                    t.span(),
                    format!("{field}.expires"),
                    "an expiry without blocks; only bought `blocks` expire (a held balance never does)",
                ));
            }
            Some(d) if d.ms() == 0 => {
                return Err(self.err(
                    t.span(),
                    format!("{field}.expires"),
                    "0; expected a duration > 0 after the start",
                ));
            }
            Some(d) => Some(d.ms()),
        };
        Ok(TicapConfig {
            balance_core_min: v.balance_core_minutes.unwrap_or(0.0),
            price_per_core_day: v.price_per_core_day,
            warn_days,
            blocks,
            price_per_block,
            expires_ms,
        })
    }
}
