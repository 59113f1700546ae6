"""config.nice and config_vars.mk parsers, checked against fixtures/corpus/config_nice and
Debian 12's /usr/share/apache2/build/config_vars.mk."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS, read_fixture, bare_corpus
from wsgidoctor.areas import detect_kind, parsers as registry
from wsgidoctor.apache.parse_config_nice import PARSERS, parse_config_nice, parse_config_vars
from wsgidoctor.core.textnorm import clean_lines

N = "corpus/config_nice/"
EXPECTED = {
    N + "bitnami-apache2-mpms-shared-all-plus-with-mpm-prefork.txt": dict(
        configure="./configure", mpm="prefork", mpms_shared="all", prefix="/opt/bitnami/apache2",
        with_apr="/opt/bitnami/common/bin/apr-1-config", layout=None, nargs=25,
        has_args=["--with-apu=/opt/bitnami/common/bin/apr-1-config", "--enable-mods-shared=most", "CC=gcc"],
        env_has={"CC": "gcc", "CPPFLAGS": "-I/opt/bitnami/common/include",
                 "LDFLAGS": "-L/opt/bitnami/common/lib -liconv"}),
    N + "centos-stream-9-source-2.4.58-minimal-cc-only.txt": dict(
        configure="./configure", args=["--prefix=/usr/local/apache", "CC=gcc"], mpm=None,
        mpms_shared=None, with_apr=None, env={"CC": "gcc"}),
    N + "el6-cws-2.4.25-with-mpm-worker-static-support.txt": dict(
        mpm="worker", mpms_shared=None, prefix="/opt/cws-worker-2.4.25", nargs=29,
        has_args=["--enable-shared-modules=all", "--enable-modules=all", "--with-pcre=/opt/cws-worker-2.4.25/pcre"],
        env={}),
    N + "macos-10.6-system-apache-2.2-darwin-layout.txt": dict(
        configure="/SourceCache/apache/apache-747.1/httpd/configure", layout="Darwin", prefix="/usr",
        with_apr="/usr", mpm=None, mpms_shared=None, nargs=13,
        has_args=["--enable-mods-shared=all", "--with-pcre=/usr/local/bin/pcre-config", "--enable-disk-cache"]),
    N + "macos-source-build-apple-gcc42-usr-local-apache2-no-mpm-flag.txt": dict(
        prefix="/usr/local/apache2", mpm=None, mpms_shared=None, has_args=["--with-port=8888"],
        env={"CC": "/usr/local/Cellar/apple-gcc42/4.2.1-5666.3/bin/gcc-4.2", "CFLAGS": "-O2 -arch x86_64",
             "CPPFLAGS": "-I/opt/local/include -I/opt/X11/include", "LDFLAGS": "-L/opt/local/lib"}),
    N + "source-build-included-apr-with-mpm-worker-minimal.txt": dict(
        args=["--with-included-apr", "--prefix=/home/ganwang/httpd/http", "--with-mpm=worker"],
        mpm="worker", with_apr="included"),
    N + "ubuntu-16.04-apache2-2.4.18-debian-layout-env-exports.txt": dict(
        configure="./configure", layout="Debian", mpms_shared="all", mpm=None, prefix=None,
        with_apr="/usr/bin/apr-1-config", nargs=27,
        has_args=["--with-program-name=apache2", "--enable-mods-shared=all cgi ident authnz_fcgi",
                  "--enable-mods-static=unixd logio watchdog version", "--with-apr-util=/usr/bin/apu-1-config"],
        env={"CFLAGS": "-pipe -g -O2 -fstack-protector-strong -Wformat -Werror=format-security",
             "CPPFLAGS": "-DPLATFORM='Ubuntu' -DBUILD_DATETIME='2018-06-07T19:43:03' -Wdate-time -D_FORTIFY_SOURCE=2",
             "LDFLAGS": "-Wl,--as-needed -Wl,-Bsymbolic-functions -Wl,-z,relro -Wl,-z,now",
             "LTFLAGS": "--no-silent"}),
}


def test_every_corpus_capture_has_expectations():
    on_disk = {N + p.name for p in bare_corpus("config_nice")}
    assert on_disk <= set(EXPECTED), sorted(on_disk - set(EXPECTED))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture_parses_to_the_documented_facts(name):
    configure = parse_config_nice(read_fixture(name))["apache"]["configure"]
    assert configure["source"] == "config.nice"
    want = dict(EXPECTED[name])
    nargs = want.pop("nargs", None)
    has_args = want.pop("has_args", [])
    for key, value in want.pop("env_has", {}).items():
        assert configure["env"][key] == value
    for key, value in want.items():
        assert configure[key] == value, key
    if nargs is not None:
        assert len(configure["args"]) == nargs
    for arg in has_args:
        assert arg in configure["args"]
    assert "$@" not in configure["args"]
    assert all(not a.startswith('"') for a in configure["args"])


def test_long_exported_cflags_are_kept_whole():
    env = parse_config_nice(read_fixture(N + "bitnami-apache2-mpms-shared-all-plus-with-mpm-prefork.txt"))[
        "apache"]["configure"]["env"]
    assert env["CFLAGS"].startswith("-fPIC -I/opt/bitnami/common/include")
    assert env["CFLAGS"].endswith("/ImageMagick-6/MagickCore/")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture_is_recognised_as_config_nice(name):
    assert detect_kind(read_fixture(name)) == "config.nice"


def test_missing_mpm_flag_is_explained():
    fragment = parse_config_nice(read_fixture(N + "macos-source-build-apple-gcc42-usr-local-apache2-no-mpm-flag.txt"))
    assert any("httpd -V" in n for n in fragment["_notes"])


def test_broken_quoting_still_yields_the_arguments():
    text = '#! /bin/sh\n# Created by configure\n"./configure" \\\n"--prefix=/opt/a b" \\\n"--with-mpm=event \\\n"$@"\n'
    configure = parse_config_nice(text)["apache"]["configure"]
    assert configure["configure"] == "./configure"
    assert "--prefix=/opt/a b" in configure["args"]


def test_debian_config_vars_mk():
    fragment = parse_config_vars(read_fixture("debian12/config_vars.mk"))
    configure = fragment["apache"]["configure"]
    assert configure["source"] == "config_vars.mk"
    assert configure["args"] is None and configure["layout"] is None
    assert configure["dirs"]["libexecdir"] == "/usr/lib/apache2/modules"
    assert configure["dirs"]["sysconfdir"] == "/etc/apache2"
    assert configure["dirs"]["runtimedir"] == "/var/run/apache2"
    assert configure["dirs"]["installbuilddir"] == "/usr/share/apache2/build"
    assert configure["httpd_version"] == "2.4.71" and configure["mmn_major"] == 20120211
    assert configure["progname"] == "apache2"
    assert configure["apr"] == {"version": "1.7.2", "includedir": "/usr/include/apr-1.0",
                                "config": "/usr/bin/apr-1-config"}
    assert any("no config.nice" in n for n in fragment["_notes"])


def test_config_vars_expands_references_when_there_is_no_exp_form():
    text = "prefix = /opt/httpd\nexec_prefix = ${prefix}\nlibexecdir = ${exec_prefix}/modules\nsysconfdir = $(prefix)/conf\n"
    dirs = parse_config_vars(text)["apache"]["configure"]["dirs"]
    assert dirs["libexecdir"] == "/opt/httpd/modules" and dirs["sysconfdir"] == "/opt/httpd/conf"


def test_config_vars_mk_is_recognised():
    assert detect_kind(read_fixture("debian12/config_vars.mk")) == "config_vars.mk"


def test_other_files_are_not_taken_for_build_files():
    nice, vars_ = PARSERS
    for rel in ("debian12/apr.h", "debian12/envvars", "debian12/apache2ctl-V.txt"):
        lines = clean_lines(read_fixture(rel))
        assert nice.detect(lines) < 0.5 and vars_.detect(lines) < 0.5, rel


def test_garbage_does_not_raise():
    for text in ("", "\x00\xff" * 20, '"unterminated'):
        assert parse_config_nice(text)["apache"]["configure"]["args"] is None
        assert parse_config_vars(text)["apache"]["configure"]["httpd_version"] is None


def test_registered_under_their_kinds():
    assert registry()["config.nice"] is PARSERS[0]
    assert registry()["config_vars.mk"] is PARSERS[1]
