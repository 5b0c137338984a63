# Finds a Java of at least a given major version, for ./mvnw and bin/quiver (sourced by both; the
# package ships it as bin/find-jdk.sh). POSIX sh, no side effects but the function definitions.
#
# quiver_find_jdk N [HOME ...] prints the home of the first Java >= N among: JAVA_HOME, the java on
# the PATH, then the given homes, or by default the usual install places (Debian/Ubuntu and Red Hat
# packages, /opt, SDKMAN, IntelliJ's ~/.jdks, macOS). Exit status 1 when there is none.

quiver_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

quiver_path_java_home() {
  _qj=$(command -v java 2>/dev/null) || return 0
  # follow the links (/usr/bin/java -> /etc/alternatives/java -> /usr/lib/jvm/.../bin/java)
  while [ -L "$_qj" ]; do
    _ql=$(ls -l "$_qj" | sed 's/.* -> //')
    case "$_ql" in
    /*) _qj=$_ql ;;
    *) _qj=$(dirname "$_qj")/$_ql ;;
    esac
  done
  dirname "$(dirname "$_qj")"
}

quiver_find_jdk() {
  _qneed=$1
  shift
  _qpath_home=$(quiver_path_java_home)
  case $- in *f*) _qnoglob=1; set +f ;; *) _qnoglob= ;; esac
  if [ $# -eq 0 ]; then
    set -- /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* \
      "${HOME:-/nonexistent}"/.sdkman/candidates/java/* "${HOME:-/nonexistent}"/.jdks/* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home
  fi
  _qfound=
  for _qhome in "${JAVA_HOME:-}" "$_qpath_home" "$@"; do
    [ -n "$_qhome" ] && [ -x "$_qhome/bin/java" ] || continue
    _qmajor=$(quiver_java_major "$_qhome")
    if [ -n "$_qmajor" ] && [ "$_qmajor" -ge "$_qneed" ]; then
      _qfound=$_qhome
      break
    fi
  done
  [ -z "$_qnoglob" ] || set -f
  [ -n "$_qfound" ] || return 1
  printf '%s\n' "$_qfound"
}
