# Sourced by the bench scripts, from the repository's root: the release build and a scratch
# folder; the lists `athar synth` writes (misspelt or not) and how each is imported; the
# annotated sentences.
#   . bench/common.sh; setup_bench; import_list "$athar" DB "$dir" NAME [IMPORT OPTIONS...]
# shellcheck shell=bash
# Builds the release binary and sets `athar` to it, and `dir` to a scratch folder removed at exit.
setup_bench() {
  cargo build --release -q
  athar="$PWD/target/release/athar"
  dir="$(mktemp -d)"
  trap 'rm -rf "$dir"' EXIT
}
LISTS="register_ar ngo_en ngo_fr ua_register ua_list inquiries"
kind_of() {
  case "$1" in register_ar|ua_register) echo register ;; ngo_en|ngo_fr|ua_list) echo ngo-list ;; inquiries) echo inquiry ;; esac
}
# Imports DIR/lists/NAME.csv into DB as source NAME, of its kind, by its record ids (the import's
# report on standard output).
import_list() {
  local athar="$1" db="$2" dir="$3" name="$4"
  shift 4
  "$athar" --db "$db" import "$dir/lists/$name.csv" --source "$name" --kind "$(kind_of "$name")" \
    --id-column source_record_id "$@"
}
# Writes the annotated set's sentences (data/gazetteer/facility_mentions.jsonl) in language LANG
# (ar, ru, uk, en, fr) to DIR/LANG.txt; fails where the set has none in that language.
annotated_sentences() {
  python3 - "$1" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open("data/gazetteer/facility_mentions.jsonl", encoding="utf-8")]
text = "\n".join(r["text"] for r in rows if r["lang"] == sys.argv[2])
if not text:
    sys.exit(f"no annotated sentence in the language {sys.argv[2]!r} (ar, ru, uk, en, fr)")
with open(f"{sys.argv[1]}/{sys.argv[2]}.txt", "w", encoding="utf-8") as f:
    f.write(text + "\n")
PY
}
# Generates the lists for PERSONS persons with SEED into DIR/lists, misspells each name word of
# four letters or more with probability RATE (0: none; bench/spelling_edits.py), and imports
# them into DIR/s.db.
misspelt_lists() {
  local athar="$1" dir="$2" persons="$3" seed="$4" rate="$5"
  # Generated only (every list "later"), then edited, then imported.
  bench/synth_lists.sh "$athar" "$dir" "$persons" "$seed" "$LISTS"
  if [ "$rate" != 0 ]; then python3 bench/spelling_edits.py "$dir/lists" "$rate"; fi
  for name in $LISTS; do
    import_list "$athar" "$dir/s.db" "$dir" "$name" >/dev/null
  done
}
