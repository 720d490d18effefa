//! `athar names eval`'s other sets: Google's Arabic→English transliteration pairs, OFAC alias
//! groups, and GeoNames places of Syria and Ukraine.

use super::*;
use anyhow::Context;

pub(super) fn eval_ar2en(engine: &NameEngine, args: &EvalArgs) -> Result<serde_json::Value> {
    let file =
        if args.half == Half::Tune { "translit/google_ar2en-train.txt" } else { "translit/google_ar2en-test.txt" };
    let path = args.data.join(file);
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let pairs: Vec<(NameAnalysis, NameAnalysis)> =
        text.lines().filter_map(|l| l.split_once('\t')).map(|(a, e)| (engine.analyse(a), engine.analyse(e))).collect();
    let meet = |a: &NameAnalysis, b: &NameAnalysis| {
        let kb = b.keys();
        a.keys().iter().any(|k| kb.contains(k))
    };
    let n = pairs.len();
    let hits = pairs.iter().filter(|(a, e)| meet(a, e)).count();
    // False hits: each Arabic form against 10 other English forms, chosen by a fixed stride.
    let mut false_hits = 0usize;
    let mut trials = 0usize;
    let mut state: u64 = 0x9e3779b97f4a7c15;
    for (i, (a, _)) in pairs.iter().enumerate() {
        for _ in 0..10 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let j = (state % n as u64) as usize;
            if j == i {
                continue;
            }
            trials += 1;
            if meet(a, &pairs[j].1) {
                false_hits += 1;
            }
        }
    }
    if !args.json {
        println!("google_ar2en ({file}: {n} Arabic → English pairs)");
        println!("  keys meet their English form  {:.3}", ratio(hits, n));
        println!("  false hits vs 10 random forms {:.3}", ratio(false_hits, trials));
    }
    Ok(serde_json::json!({"pairs": n, "keys_meet": ratio(hits, n), "false_hits": ratio(false_hits, trials)}))
}

pub(super) fn eval_ofac(engine: &NameEngine, args: &EvalArgs) -> Result<serde_json::Value> {
    let read_latin1 = |p: PathBuf| -> Result<String> {
        let bytes = std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?;
        Ok(bytes.iter().map(|&b| b as char).collect())
    };
    let sdn = read_latin1(args.data.join("sanctions/ofac_sdn_2022-01.csv"))?;
    let alt = read_latin1(args.data.join("sanctions/ofac_alt_2022-01.csv"))?;
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(sdn.as_bytes());
    for rec in r.records() {
        let rec = rec?;
        if rec.get(2).map(str::trim) == Some("individual") {
            let id = rec.get(0).unwrap_or("").trim().to_string();
            order.push(id.clone());
            groups.entry(id).or_default().push(rec.get(1).unwrap_or("").to_string());
        }
    }
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(alt.as_bytes());
    for rec in r.records() {
        let rec = rec?;
        let id = rec.get(0).unwrap_or("").trim();
        if let Some(g) = groups.get_mut(id) {
            g.push(rec.get(3).unwrap_or("").to_string());
        }
    }
    let chosen: Vec<&String> = order.iter().filter(|id| in_half(id, args.half) && groups[*id].len() > 1).collect();
    let analysed: Vec<Vec<NameAnalysis>> =
        chosen.iter().map(|id| groups[*id].iter().map(|n| engine.analyse(n)).collect()).collect();
    let (mut same_n, mut same_ok) = (0usize, 0usize);
    for g in &analysed {
        for alias in &g[1..] {
            same_n += 1;
            let c = engine.compare(&g[0], alias);
            if accepted(&c) {
                same_ok += 1;
            } else if args.misses {
                eprintln!("reject ofac: {} / {} score {:.3}", g[0].input, alias.input, c.score);
            }
        }
    }
    // Different entities sharing a name token: primary names of entities in the same block.
    let primaries: Vec<&NameAnalysis> = analysed.iter().map(|g| &g[0]).collect();
    let index = KeyIndex::new(primaries.iter().copied());
    let (mut diff_n, mut diff_acc) = (0usize, 0usize);
    for (i, a) in primaries.iter().enumerate() {
        for j in index.candidates(a) {
            if j <= i {
                continue;
            }
            if !share_token(engine, a, primaries[j]) {
                continue;
            }
            diff_n += 1;
            if accepted(&engine.score(a, primaries[j])) {
                diff_acc += 1;
                if args.misses {
                    eprintln!("false accept ofac: {} / {}", a.input, primaries[j].input);
                }
            }
        }
    }
    if !args.json {
        println!("OFAC SDN alias groups ({} individuals with aliases; {:?} half)", chosen.len(), args.half);
        println!(
            "  same-entity acceptance        {:.3}  ({same_ok}/{same_n} primary/alias pairs)",
            ratio(same_ok, same_n)
        );
        println!(
            "  false acceptance              {:.4}  ({diff_acc}/{diff_n} different-entity pairs sharing a name token)",
            ratio(diff_acc, diff_n)
        );
    }
    Ok(serde_json::json!({
        "entities": chosen.len(),
        "same_entity_acceptance": ratio(same_ok, same_n),
        "false_acceptance": ratio(diff_acc, diff_n),
        "different_pairs": diff_n,
    }))
}

/// A query's result: the rank of the right entry, if found, and the entry ranked first.
type Ranked = (Option<usize>, Option<usize>);

/// One GeoNames place, as the data file has it.
#[derive(serde::Deserialize)]
struct Place {
    geonameid: u64,
    name: String,
    countrycode: String,
    #[serde(default)]
    alternatenames: Vec<String>,
}

/// GeoNames places (population 500 and more) of Syria and Ukraine: every Arabic-script name of a
/// Syrian place and every Cyrillic name of a Ukrainian one is ranked against the Latin names of
/// all places of its country (names only), as a report's place is matched to a registry's. Places
/// that share a Latin name cannot be told apart by it: the right name ranked first is a hit. Names
/// mixing in Latin letters are left out, as are forms of another country's script.
pub(super) fn eval_places(engine: &NameEngine, args: &EvalArgs) -> Result<serde_json::Value> {
    let path = args.data.join("places/geonames_sy_ua_cities500.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let places: Vec<Place> =
        serde_json::from_str(&text).with_context(|| format!("{} does not parse", path.display()))?;
    let t0 = Instant::now();
    let mut out = serde_json::Map::new();
    if !args.json {
        println!(
            "GeoNames places ({} places; {:?} half; Arabic / Cyrillic name → Latin name)",
            places.len(),
            args.half
        );
    }
    for (country, script, label) in [
        ("SY", athar_names::Script::Arabic, "Syria, Arabic script"),
        ("UA", athar_names::Script::Cyrillic, "Ukraine, Cyrillic"),
    ] {
        let of_country: Vec<&Place> = places.iter().filter(|p| p.countrycode == country).collect();
        // One record per distinct Latin name.
        let mut names: Vec<&str> = of_country.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let records: Vec<(usize, NameAnalysis)> =
            names.iter().enumerate().map(|(i, n)| (i, engine.analyse(n))).collect();
        let index = KeyIndex::new(records.iter().map(|r| &r.1));
        let queries: Vec<(usize, &str)> = of_country
            .iter()
            .filter(|p| in_half(&p.geonameid.to_string(), args.half))
            .flat_map(|p| {
                let truth = names.binary_search(&p.name.as_str()).unwrap_or(0);
                let mut forms: Vec<&str> = p
                    .alternatenames
                    .iter()
                    .map(String::as_str)
                    .filter(|a| athar_names::script::detect_script(a) == script)
                    .collect();
                forms.sort_unstable();
                forms.dedup();
                forms.into_iter().map(move |a| (truth, a))
            })
            .collect();
        let results: Vec<(Ranked, bool)> = queries
            .par_iter()
            .map(|(truth, form)| {
                let q = engine.analyse(form);
                (rank_of(engine, &index, &records, &q, *truth), accepted(&engine.compare(&q, &records[*truth].1)))
            })
            .collect();
        let (mut tally, mut same) = (RankTally::default(), 0usize);
        for ((truth, form), ((rank, top), accept)) in queries.iter().zip(results) {
            tally.add(rank);
            same += usize::from(accept);
            if args.misses && rank != Some(1) {
                eprintln!(
                    "miss places: {form} → want {}, got {:?} (rank {rank:?})",
                    names[*truth],
                    top.map(|t| names[t])
                );
            }
        }
        if !args.json {
            println!("  {}  same place {:.3}", tally.line(label), ratio(same, tally.n));
        }
        out.insert(
            country.to_lowercase(),
            serde_json::json!({"places": of_country.len(), "latin_names": names.len(), "ranking": tally.json(), "same_place": ratio(same, tally.n)}),
        );
    }
    let secs = t0.elapsed().as_secs_f64();
    if !args.json {
        println!("  ranked in {secs:.2} s on {} threads (index build included)", rayon::current_num_threads());
    }
    out.insert("seconds".into(), serde_json::json!(secs));
    Ok(serde_json::Value::Object(out))
}
