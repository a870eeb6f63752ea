/// Where a form may send people after it is done: a path on this site, never another origin.
enum SafeRedirect {
    /// `raw` when it is a same-origin path of printable ASCII (no `//`, no backslash, which browsers read as a
    /// slash), else `/`.
    static func path(_ raw: String?) -> String {
        guard let raw, raw.utf8.count < 500, raw.hasPrefix("/"), !raw.hasPrefix("//"),
            raw.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "\\") })
        else { return "/" }
        return raw
    }
}
