#!/bin/sh
# Installs the system packages serlab's build needs when they are missing, then exits.
#
# serlab's feature cache and `serlab features` export use HDF5 through the `hdf5` crate
# (hdf5-metno), which links the system's HDF5 C library (1.10 or newer) and finds it with
# pkg-config. On Debian/Ubuntu that is `libhdf5-dev` + `pkg-config`; this script installs
# them with apt-get (through sudo when not root). It does nothing when they are present, so
# it is cheap to run before every build. Elsewhere it says what to install and fails.
#
# Usage: scripts/setup.sh [--with-h5py] [--with-mic]
#   --with-h5py  also make sure a Python with h5py is there (Debian: python3-h5py), for the
#                test that reads `serlab features` output from Python; .ci/run passes it.
#   --with-mic   also install the ALSA headers (libasound2-dev) that `serlab live --mic`
#                needs: `cargo build -p serlab --features mic` (docs/serve.md).
set -eu

with_h5py=0
with_mic=0
for arg in "$@"; do
    case "$arg" in
        --with-h5py) with_h5py=1 ;;
        --with-mic) with_mic=1 ;;
        -h | --help)
            sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "scripts/setup.sh: unknown argument \`$arg\` (see --help)" >&2
            exit 2
            ;;
    esac
done

have_hdf5() {
    command -v pkg-config >/dev/null 2>&1 && pkg-config --exists hdf5 2>/dev/null
}

# The interpreters the h5py test tries, in its order.
have_h5py() {
    for py in ${SERLAB_PYTHON:-} python3 /usr/bin/python3; do
        if "$py" -c 'import h5py' >/dev/null 2>&1; then
            return 0
        fi
    done
    return 1
}

need=""
have_hdf5 || need="libhdf5-dev pkg-config"
if [ "$with_h5py" = 1 ] && ! have_h5py; then
    need="$need python3-h5py"
fi
if [ "$with_mic" = 1 ] && ! pkg-config --exists alsa 2>/dev/null; then
    need="$need libasound2-dev"
fi
if [ -z "$need" ]; then
    exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo="sudo"
        else
            echo "scripts/setup.sh: needs$need; run as root or install sudo" >&2
            exit 1
        fi
    fi
    echo "scripts/setup.sh: installing$need with apt-get" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086 # $need is a list of package names
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        $need >/dev/null
    if ! have_hdf5; then
        echo "scripts/setup.sh: libhdf5-dev is installed but pkg-config cannot find hdf5" >&2
        exit 1
    fi
    exit 0
fi

if ! have_hdf5; then
    cat >&2 <<'MSG'
scripts/setup.sh: the HDF5 C library (1.10 or newer, with headers) and pkg-config are missing.
Install them with your package manager, for example
  macOS:   brew install hdf5 pkg-config
  Fedora:  sudo dnf install hdf5-devel pkgconf-pkg-config
  Arch:    sudo pacman -S hdf5 pkgconf
or point the build at an HDF5 installation with HDF5_DIR=/path/to/hdf5.
MSG
    exit 1
fi
echo "scripts/setup.sh: no Python with h5py found and no apt-get; \`pip install h5py\` to run the h5py test" >&2
exit 0
