"""``wsgidoctor fix``: the mechanical fixes of a report as diffs and commands, verified on a
throwaway copy (``verify``) or written with a backup (``apply``)."""
