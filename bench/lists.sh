# Sourced by the bench scripts: the lists `athar synth` writes, and how each is imported.
#   . bench/lists.sh; import_list ATHAR DB DIR NAME [IMPORT OPTIONS...]
# shellcheck shell=bash
LISTS="register_ar ngo_en ngo_fr ua_register ua_list inquiries"
kind_of() {
  case "$1" in register_ar|ua_register) echo register ;; ngo_en|ngo_fr|ua_list) echo ngo-list ;; inquiries) echo inquiry ;; esac
}
# Imports DIR/lists/NAME.csv into DB as source NAME, of its kind, by its record ids.
import_list() {
  local athar="$1" db="$2" dir="$3" name="$4"
  shift 4
  "$athar" --db "$db" import "$dir/lists/$name.csv" --source "$name" --kind "$(kind_of "$name")" \
    --id-column source_record_id "$@" >/dev/null
}
