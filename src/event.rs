//! The one normalized record every parser produces: "this client/user reached this host".
//!
//! Borrowed from the line buffer and `Copy`, so producing one costs nothing; bytes rather than
//! `str` because logs need not be UTF-8. Decoding to owned strings happens late, in
//! `aggregate`, and only for events that matter (matched or discovery candidates).

/// What the log says happened to the request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Action {
    /// Served, resolved or allowed.
    Allowed,
    /// Denied by the proxy, resolver or firewall.
    Blocked,
    /// The format does not say.
    #[default]
    Unknown,
}

/// Which kind of sensor wrote the line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceKind {
    /// A resolver: the host was looked up.
    #[default]
    Dns,
    /// A proxy or firewall: the host was reached.
    Proxy,
    /// An endpoint agent: a process on a device looked up or reached the host.
    Endpoint,
}

impl SourceKind {
    /// Lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Dns => "dns",
            SourceKind::Proxy => "proxy",
            SourceKind::Endpoint => "endpoint",
        }
    }
}

/// One normalized log record. Missing values are `None`, never `""` or `"-"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Event<'a> {
    /// Unix seconds, UTC.
    pub ts: Option<i64>,
    /// The authenticated user as logged (normalized later).
    pub user: Option<&'a [u8]>,
    /// The client address as logged.
    pub client: Option<&'a [u8]>,
    /// Host, `host:port` or URL as logged; `normalize::host` reduces it to a hostname.
    pub host: &'a [u8],
    /// Bytes sent by the client (uploads), where the format records them.
    pub bytes_out: Option<u64>,
    /// What happened to the request.
    pub action: Action,
    /// The kind of sensor.
    pub source: SourceKind,
    /// Endpoint device name.
    pub device: Option<&'a [u8]>,
    /// Endpoint process image (path or file name).
    pub process: Option<&'a [u8]>,
    /// The request's URL path where the format logs it apart from `host` (W3C
    /// `cs-uri-stem`, Zeek `uri`): a path, or a URL or `host/path` it is cut from by
    /// `normalize::path_part`. Where `host` is itself a URL, its path is read from there; the
    /// path decides the evidence only for tools with path rules.
    pub path: Option<&'a [u8]>,
}

/// What a parser makes of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// A data line that names a host.
    Event(Event<'a>),
    /// A well-formed data line without a host of interest (counted, not an error).
    Ignored,
    /// A header, directive, comment or blank line: not data, not counted.
    Meta,
}
