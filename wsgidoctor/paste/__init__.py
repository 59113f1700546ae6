"""The paste reader: any pasted text -> clean segments, each with the kind of output it is.

People paste evidence, not files: an ``httpd -V`` quoted in a mail, a ``systemctl status`` block,
a docker-compose log with ``web_1  | `` before every line, an ``-M`` list under two paragraphs of
prose. The reader works in one direction, one module per step:

- :mod:`.decode` turns bytes into text (UTF-8, UTF-16 with or without BOM, Latin-1; CRLF/CR);
- :mod:`.undecorate` removes what pasting added (prompts, quotes, fences, bold, HTML, container
  and journald prefixes, init-script tails, annotations, wrapped lines) and remembers which
  command was run (:mod:`.commands` knows the commands);
- :mod:`.signatures` says which kind of output a clean line can belong to;
- :mod:`.segment` cuts the clean lines into :class:`~.model.Segment` s, each with its kind;
- :mod:`.reader` ties them together: :func:`~.reader.read_paste`.

Original line numbers are kept on every line, so findings can cite the paste as it was given.
"""
