"""The lexer reads lines and words exactly as httpd's ap_cfg_getline / ap_getword_conf do."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wsgidoctor.config.lexer import logical_lines, parse_tag, split_directive, split_words


def test_continuation_joins_lines_and_keeps_the_first_line_number():
    text = "ServerName a\nWSGIDaemonProcess app \\\n    processes=2 \\\n    threads=1\nUser x\n"
    lines = list(logical_lines(text))
    assert [(l.text, l.line, l.end_line) for l in lines] == [
        ("ServerName a", 1, 1),
        ("WSGIDaemonProcess app     processes=2     threads=1", 2, 4),
        ("User x", 5, 5),
    ]


def test_crlf_comments_blank_lines_and_indentation():
    text = b"# comment\r\n\r\n\t  Listen 80\r\n   # indented comment\r\nUser x # not a comment\r\n"
    assert [(l.text, l.line) for l in logical_lines(text)] == [
        ("Listen 80", 3), ("User x # not a comment", 5)]


def test_a_comment_ending_in_backslash_swallows_the_next_line_as_httpd_does():
    text = "# old setting \\\nWSGIPythonHome /srv/venv\nUser x\n"
    assert [l.text for l in logical_lines(text)] == ["User x"]


def test_backslash_followed_by_space_is_not_a_continuation():
    text = "Define A \\ \nDefine B\n"
    assert [l.text for l in logical_lines(text)] == ["Define A \\", "Define B"]


def test_words_quotes_and_escapes():
    assert split_words('a "b c" \'d e\' "x\\"y" \\\\z ""') == ["a", "b c", "d e", 'x"y', "\\z", ""]
    assert split_words('"unterminated quote') == ["unterminated quote"]
    name, raw = split_directive('WSGIDaemonProcess  app python-path="/a b:/c"')
    assert name == "WSGIDaemonProcess"
    assert raw == 'app python-path="/a b:/c"'


def test_section_tags():
    tag = parse_tag('<VirtualHost *:80 [::1]:80>')
    assert (tag.name, tag.args, tag.closing, tag.well_formed) == ("VirtualHost", "*:80 [::1]:80", False, True)
    assert parse_tag("</Directory>").closing
    assert parse_tag("<IfModule mod_wsgi.c").well_formed is False
    assert parse_tag("User x") is None
    assert parse_tag("<Else>").args == ""


def test_non_utf8_nul_and_bom_do_not_break_reading():
    data = b"ServerName caf\xe9.example\x00\nUser x\n"
    assert [l.text for l in logical_lines(data)] == ["ServerName caf\xe9.example", "User x"]
    assert [l.text for l in logical_lines("\ufeffUser x\n".encode())] == ["User x"]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_are_read_without_an_exception(data):
    for line in logical_lines(data):
        split_words(line.text)
        parse_tag(line.text)
