# Shared by ./mvn25 and ./pager: finds a JDK 25 or newer and exports JAVA_HOME, or explains and exits.
# Picks $JAVA_HOME when it is 25+, else the newest JDK 25+ under /usr/lib/jvm (or $PAGER_JDK_ROOTS).
# Exits with $no_jdk_exit (default 1) when there is none: ./pager sets its own "cannot run" code.

java_major() {
  # Prints the feature version of the JDK at $1, or nothing when it is not a JDK.
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

pick_jdk() {
  if [ -n "${JAVA_HOME:-}" ]; then
    local v; v="$(java_major "$JAVA_HOME")"
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$JAVA_HOME"; return; fi
  fi
  local best="" best_v=0 dir v
  for root in ${PAGER_JDK_ROOTS:-/usr/lib/jvm /usr/local/lib/jvm /opt/java}; do
    for dir in "$root"/*; do
      [ -d "$dir" ] || continue
      v="$(java_major "$dir")"
      if [ -n "$v" ] && [ "$v" -ge 25 ] && [ "$v" -gt "$best_v" ]; then best="$dir"; best_v="$v"; fi
    done
  done
  echo "$best"
}

jdk="$(pick_jdk)"
if [ -z "$jdk" ]; then
  echo "$(basename "$0"): no JDK 25 or newer found: set JAVA_HOME to one, or install one under /usr/lib/jvm" \
       "(for example Debian's openjdk-25-jdk or a Temurin 25 package)." >&2
  exit "${no_jdk_exit:-1}"
fi
export JAVA_HOME="$jdk"
