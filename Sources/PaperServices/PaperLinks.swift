import Foundation

/// The links people attach to a submitted paper (its code, its project page), checked the same way on the site
/// and in the write API. Here is what someone typed, give me a link or a refusal.
public enum PaperLinks {
    /// Empty input is no link (`ok`, nil). Otherwise an http(s) URL of at most 300 characters, on `host` (or
    /// `www.` + host) when one is required; anything else is refused (`ok` false).
    public static func validated(_ raw: String?, host: String? = nil) -> (ok: Bool, url: String?) {
        let text = (raw ?? "").trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return (true, nil) }
        guard text.count <= 300, let url = URLComponents(string: text),
            ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
            let urlHost = url.host?.lowercased(), !urlHost.isEmpty
        else { return (false, nil) }
        if let host, urlHost != host && urlHost != "www." + host { return (false, nil) }
        return (true, text)
    }
}
