# Shell functions shared by scripts/install.sh (from a checkout) and scripts/package.sh; sourced,
# not run. The caller sets $me (its name, for messages).

# The bash completion script, from the jar's own command tree. A jar older than the
# generate-completion command would take the word for a MOUNTPOINT and start a daemon: ask first.
completion_script() {
  if ! java -jar "$1" generate-completion --version 2>/dev/null | grep -q '^generate-completion'; then
    echo "$me: $1 has no generate-completion command (built from an older tree?); rebuild it with: mvn -q -DskipTests package" >&2
    return 1
  fi
  java -jar "$1" generate-completion
}
