#!/bin/sh
# Regenerates the build system (configure, Makefile.in, build-aux/) from
# configure.ac and Makefile.am.  Needs autoconf, automake, libtool and pkg-config.
set -e
cd "$(dirname "$0")"
mkdir -p m4 build-aux
autoreconf -fi
echo
echo "Now run ./configure (see ./configure --help for the options), then make."
