#!/usr/bin/env bash
# Installs what provio needs on Debian 12 and builds HDF5 1.14 (the first
# release with the VOL API) from Debian's own source package of the next
# release.  Installs only what is missing and is safe to run again: a second
# run with everything present only checks and prints.
#
#   tools/bootstrap.sh            Debian packages + HDF5
#   tools/bootstrap.sh --no-hdf5  Debian packages only (a site HDF5 via -DHDF5_ROOT)
#
# Environment:
#   PROVIO_HDF5_PREFIX  where HDF5 goes (default /opt/provio/hdf5); CMake
#                       looks there by itself.
#   PROVIO_HDF5_SUITE   Debian suite whose hdf5 source is built (default trixie)
set -euo pipefail

prefix=${PROVIO_HDF5_PREFIX:-/opt/provio/hdf5}
suite=${PROVIO_HDF5_SUITE:-trixie}
with_hdf5=1
case "${1:-}" in
  --no-hdf5) with_hdf5=0 ;;
  "") ;;
  -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bootstrap: unknown option $1" >&2; exit 2 ;;
esac

say() { printf 'bootstrap: %s\n' "$*"; }

# Build tools, the chosen libraries, MPI, the unit-test framework, and the
# independent RDF tools the tests parse our output with (rapper, roqet).
packages=(
  build-essential cmake pkg-config dpkg-dev ca-certificates
  libraptor2-dev librasqal3-dev librdf0-dev
  raptor2-utils rasqal-utils redland-utils
  libopenmpi-dev openmpi-bin check
  zlib1g-dev libaec-dev libdb5.3-dev
  python3 dash gzip tar graphviz
  # Tests: a second MPI family (MPICH's ABI differs from Open MPI's), a FUSE
  # file system that rejects rename flags as NFS and Lustre do, fio, the
  # PROV reader python3-prov, h5py over Debian's own HDF5 1.10 (a program
  # built against another HDF5), XFS tools for a file system whose copies
  # are clones (cp --reflink), clang for libFuzzer and the sanitizers.
  mpich libmpich-dev bindfs fio python3-prov python3-h5py xfsprogs
  clang libclang-rt-14-dev
  # A locale with a decimal comma, built by the API's unit test (localedef).
  locales
  # The server store (docs/server-store.md): Virtuoso for tools/store-server.sh
  # and the `server` tests, libcurl for store/remote.c.  The GnuTLS flavour of
  # libcurl's headers: libcurl4-openssl-dev conflicts with raptor2's dev
  # packages on Debian 12; the API is the same.
  virtuoso-opensource-7-bin curl libcurl4-gnutls-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    </dev/null >/tmp/provio-bootstrap-apt.log 2>&1 \
    || { tail -20 /tmp/provio-bootstrap-apt.log >&2; exit 1; }
else
  say "Debian packages: all present"
fi

((with_hdf5)) || exit 0

if [ -f "$prefix/include/H5VLconnector.h" ] && [ -f "$prefix/lib/libhdf5.so" ] \
   && grep -q 'H5_HAVE_PARALLEL 1' "$prefix/include/H5pubconf.h" 2>/dev/null; then
  say "HDF5: present in $prefix ($(sed -n 's/.*H5_VERSION "\(.*\)"/\1/p' "$prefix/include/H5pubconf.h"))"
  exit 0
fi

# A private apt state: the system's sources and package lists stay untouched.
# The mirror is whatever the system already uses for Debian.
work=$(mktemp -d /tmp/provio-hdf5.XXXXXX)
trap 'rm -rf "$work"' EXIT
mirror=$(awk '/^URIs:/{u=$2} /^Suites:/{ if ($0 ~ /bookworm( |$)/) { print u; exit } }' \
         /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
if [ -z "$mirror" ]; then
  mirror=$(awk '$1=="deb" && $3 ~ /^bookworm$/ { for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
           /etc/apt/sources.list 2>/dev/null || true)
fi
[ -n "$mirror" ] || { echo "bootstrap: cannot find the Debian mirror in the apt sources" >&2; exit 1; }
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/parts" "$work/src"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$work/sources.list"
apt_private=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/parts"
             -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache")
say "HDF5: fetching Debian's $suite source package"
apt-get -qq "${apt_private[@]}" -o APT::Sandbox::User=root update
(cd "$work/src" && apt-get -qq "${apt_private[@]}" -o APT::Sandbox::User=root source --download-only hdf5)
# Debian's patches edit configure.ac and Makefile.am (packaging flavours,
# Java, Fortran), which would force an autoreconf; the upstream release as
# Debian ships it builds with its own configure.
(cd "$work/src" && dpkg-source --skip-patches -x ./*.dsc hdf5 >"$work/unpack.log" 2>&1) \
  || { tail -20 "$work/unpack.log" >&2; exit 1; }
# Keep a pristine copy of the source: the VOL connector's tests build HDF5's
# own API test suite (test/API) from the same release.
rm -rf "$prefix/src" && mkdir -p "$prefix/src" && cp -a "$work/src/hdf5/." "$prefix/src/"

say "HDF5: configuring (parallel, shared, C library and tools) for $prefix"
cd "$work/src/hdf5"
CC=mpicc ./configure --prefix="$prefix" --enable-parallel --enable-shared --disable-static \
  --disable-fortran --disable-cxx --disable-java --disable-tests --disable-tests-parallel \
  --enable-build-mode=production --with-szlib=no >"$work/configure.log" 2>&1 \
  || { tail -30 "$work/configure.log" >&2; exit 1; }
say "HDF5: building on $(nproc) cores (about 2-3 minutes)"
make -j"$(nproc)" >"$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
mkdir -p "$prefix"
make install >"$work/install.log" 2>&1 || { tail -20 "$work/install.log" >&2; exit 1; }
say "HDF5: installed in $prefix"
