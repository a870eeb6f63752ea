/// The Snowball English ("Porter2") stemmer, following english.sbl as published with Snowball 3.1
/// (including its newer rules: the `past`/`univers`/`inter`… R1 prefixes, the `ing` exceptions of step 1b
/// such as `inning` and `dying`, and the `ogist`/`ator` step-2 suffixes).
///
/// Written against the generated reference so that its output matches the Python `snowballstemmer` package
/// byte for byte; `Tests/TextAnalysisTests/Resources/porter2-pairs.tsv.gz` checks that on tens of thousands of
/// words. Words are processed as ASCII bytes: a word containing any non-ASCII byte is returned unchanged,
/// because the English rules only know the Latin alphabet and a partial stem of a foreign word helps nobody.
public enum Porter2Stemmer {
    public static func stem(_ word: String) -> String {
        var bytes = Array(word.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return word }
        stem(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Stems lower-case ASCII bytes in place.
    public static func stem(_ bytes: inout [UInt8]) {
        var machine = SnowballMachine(bytes)
        machine.stemEnglish()
        bytes = Array(machine.current[0..<machine.limit])
    }
}

private let aLower = UInt8(ascii: "a")

/// Character classes of english.sbl, as 128-entry lookup tables.
private struct Grouping: Sendable {
    let member: [Bool]
    init(_ chars: String) {
        var table = [Bool](repeating: false, count: 128)
        for byte in chars.utf8 { table[Int(byte)] = true }
        member = table
    }
    @inline(__always) func contains(_ byte: UInt8) -> Bool { byte < 128 && member[Int(byte)] }
}

private let vowels = Grouping("aeiouy")
private let vowelsWXY = Grouping("Yaeiouwxy")
private let validLI = Grouping("cdeghkmnrt")
private let aeo = Grouping("aeo")

/// One entry of a Snowball `among`: a suffix (or prefix) and the branch it selects.
/// Result `-1` means "matched, do nothing", mirroring the generated code.
private struct AmongEntry: Sendable {
    let s: [UInt8]
    let result: Int
    init(_ s: String, _ result: Int) { self.s = Array(s.utf8); self.result = result }
}

private let r1Prefixes: [AmongEntry] = [
    "arsen", "commun", "emerg", "gener", "inter", "later", "organ", "past", "univers",
]
.map { AmongEntry($0, -1) }
private let step1aApostrophe: [AmongEntry] = [.init("'", 1), .init("'s'", 1), .init("'s", 1)]
private let step1a: [AmongEntry] = [
    .init("ied", 2), .init("s", 3), .init("ies", 2), .init("sses", 1), .init("ss", -1), .init("us", -1),
]
private let step1bPrefixExceptions: [AmongEntry] = [.init("succ", 1), .init("proc", 1), .init("exc", 1)]
private let step1bIngExceptions: [AmongEntry] = [
    .init("even", 2), .init("cann", 2), .init("inn", 2), .init("earr", 2), .init("herr", 2), .init("out", 2),
    .init("y", 1),
]
private let step1b: [AmongEntry] = [
    .init("", -1), .init("ed", 2), .init("eed", 1), .init("ing", 3), .init("edly", 2), .init("eedly", 1),
    .init("ingly", 2),
]
private let step1bAfter: [AmongEntry] = [
    .init("", 3), .init("bb", 2), .init("dd", 2), .init("ff", 2), .init("gg", 2), .init("bl", 1), .init("mm", 2),
    .init("nn", 2), .init("pp", 2), .init("rr", 2), .init("at", 1), .init("tt", 2), .init("iz", 1),
]
private let step2: [AmongEntry] = [
    .init("anci", 3), .init("enci", 2), .init("ogi", 14), .init("li", 16), .init("bli", 12), .init("abli", 4),
    .init("alli", 8), .init("fulli", 9), .init("lessli", 15), .init("ousli", 10), .init("entli", 5), .init("aliti", 8),
    .init("biliti", 12), .init("iviti", 11), .init("tional", 1), .init("ational", 7), .init("alism", 8),
    .init("ation", 7),
    .init("ization", 6), .init("izer", 6), .init("ator", 7), .init("iveness", 11), .init("fulness", 9),
    .init("ousness", 10), .init("ogist", 13),
]
private let step2Replacements: [Int: String] = [
    1: "tion", 2: "ence", 3: "ance", 4: "able", 5: "ent", 6: "ize", 7: "ate", 8: "al", 9: "ful", 10: "ous",
    11: "ive", 12: "ble", 13: "og", 15: "less",
]
private let step3: [AmongEntry] = [
    .init("icate", 4), .init("ative", 6), .init("alize", 3), .init("iciti", 4), .init("ical", 4), .init("tional", 1),
    .init("ational", 2), .init("ful", 5), .init("ness", 5),
]
private let step3Replacements: [Int: String] = [1: "tion", 2: "ate", 3: "al", 4: "ic"]
private let step4: [AmongEntry] =
    [
        "ic", "ance", "ence", "able", "ible", "ate", "ive", "ize", "iti", "al", "ism", "er", "ous", "ant", "ent",
        "ment", "ement",
    ].map { AmongEntry($0, 1) } + [AmongEntry("ion", 2)]
private let step5: [AmongEntry] = [.init("e", 1), .init("l", 2)]
private let exceptions: [AmongEntry] = [
    .init("andes", -1), .init("atlas", -1), .init("bias", -1), .init("cosmos", -1), .init("early", 6),
    .init("gently", 4), .init("howe", -1), .init("idly", 3), .init("news", -1), .init("only", 7), .init("singly", 8),
    .init("skies", 2), .init("skis", 1), .init("sky", -1), .init("ugly", 5),
]
private let exceptionForms = ["ski", "sky", "idl", "gentl", "ugli", "earli", "onli", "singl"]

/// A byte-level model of the Snowball runtime (cursor, limit, bra/ket slice), so that each step below reads
/// like the corresponding rule of english.sbl.
private struct SnowballMachine {
    var current: [UInt8]
    var cursor = 0
    var limit: Int
    var limitBackward = 0
    var bra = 0
    var ket: Int
    var p1 = 0
    var p2 = 0
    var yFound = false

    init(_ bytes: [UInt8]) {
        current = bytes
        limit = bytes.count
        ket = limit
    }

    // MARK: runtime primitives

    @inline(__always) func at(_ i: Int) -> UInt8 { current[i] }

    mutating func inGroupingB(_ g: Grouping) -> Bool {
        guard cursor > limitBackward, g.contains(current[cursor - 1]) else { return false }
        cursor -= 1
        return true
    }

    mutating func outGroupingB(_ g: Grouping) -> Bool {
        guard cursor > limitBackward, !g.contains(current[cursor - 1]) else { return false }
        cursor -= 1
        return true
    }

    mutating func goOutGroupingB(_ g: Grouping) -> Bool {
        while cursor > limitBackward {
            if g.contains(current[cursor - 1]) { return true }
            cursor -= 1
        }
        return false
    }

    mutating func goOutGrouping(_ g: Grouping) -> Bool {
        while cursor < limit {
            if g.contains(current[cursor]) { return true }
            cursor += 1
        }
        return false
    }

    mutating func goInGrouping(_ g: Grouping) -> Bool {
        while cursor < limit {
            if !g.contains(current[cursor]) { return true }
            cursor += 1
        }
        return false
    }

    mutating func eqSB(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard cursor - limitBackward >= bytes.count else { return false }
        for (i, b) in bytes.enumerated() where current[cursor - bytes.count + i] != b { return false }
        cursor -= bytes.count
        return true
    }

    /// Longest entry that is a suffix of current[limitBackward..<cursor]; moves the cursor before it.
    mutating func findAmongB(_ table: [AmongEntry]) -> Int {
        var best: AmongEntry?
        for entry in table where entry.s.count <= cursor - limitBackward {
            if entry.s.count > (best?.s.count ?? -1), endsWith(entry.s, at: cursor) { best = entry }
        }
        guard let best else { return 0 }
        cursor -= best.s.count
        return best.result
    }

    /// Longest entry that is a prefix of current[cursor..<limit]; moves the cursor after it.
    mutating func findAmong(_ table: [AmongEntry]) -> Int {
        var best: AmongEntry?
        for entry in table where entry.s.count <= limit - cursor {
            if entry.s.count > (best?.s.count ?? -1), startsWith(entry.s, at: cursor) { best = entry }
        }
        guard let best else { return 0 }
        cursor += best.s.count
        return best.result
    }

    func endsWith(_ s: [UInt8], at end: Int) -> Bool {
        let start = end - s.count
        for i in 0..<s.count where current[start + i] != s[i] { return false }
        return true
    }

    func startsWith(_ s: [UInt8], at start: Int) -> Bool {
        for i in 0..<s.count where current[start + i] != s[i] { return false }
        return true
    }

    mutating func sliceFrom(_ s: String) {
        let replacement = Array(s.utf8)
        let adjustment = replacement.count - (ket - bra)
        current.replaceSubrange(bra..<ket, with: replacement)
        limit += adjustment
        if cursor >= ket { cursor += adjustment } else if cursor > bra { cursor = bra }
        ket = bra + replacement.count
    }

    mutating func sliceDel() { sliceFrom("") }

    var inR1: Bool { p1 <= cursor }
    var inR2: Bool { p2 <= cursor }

    // MARK: english.sbl

    mutating func stemEnglish() {
        let start = cursor
        if exception1() { return }
        cursor = start
        if cursor + 3 > limit { return }  // words of one or two letters are left alone
        cursor = start
        prelude()
        markRegions()
        limitBackward = cursor
        cursor = limit
        step1aRule(); cursor = limit
        step1bRule(); cursor = limit
        step1cRule(); cursor = limit
        step2Rule(); cursor = limit
        step3Rule(); cursor = limit
        step4Rule(); cursor = limit
        step5Rule(); cursor = limit
        cursor = limitBackward
        postlude()
    }

    mutating func exception1() -> Bool {
        bra = cursor
        let found = findAmong(exceptions)
        guard found != 0 else { return false }
        ket = cursor
        guard cursor >= limit else { return false }
        if found > 0 { sliceFrom(exceptionForms[found - 1]) }
        return true
    }

    mutating func prelude() {
        yFound = false
        if cursor < limit, current[cursor] == UInt8(ascii: "'") {
            bra = cursor; ket = cursor + 1
            sliceDel()
        }
        cursor = 0
        if cursor < limit, current[cursor] == UInt8(ascii: "y") {
            bra = cursor; ket = cursor + 1
            sliceFrom("Y")
            yFound = true
        }
        cursor = 0
        // Every y that follows a vowel is consonantal: mark it Y.
        var i = 0
        while i < limit {
            if i + 1 < limit, vowels.contains(current[i]), current[i + 1] == UInt8(ascii: "y") {
                current[i + 1] = UInt8(ascii: "Y")
                yFound = true
                i += 2
            } else {
                i += 1
            }
        }
        cursor = 0
    }

    mutating func markRegions() {
        p1 = limit
        p2 = limit
        let saved = cursor
        defer { cursor = saved }
        if findAmong(r1Prefixes) == 0 {
            cursor = saved
            guard goOutGrouping(vowels) else { return }
            cursor += 1
            guard goInGrouping(vowels) else { return }
            cursor += 1
        }
        p1 = cursor
        guard goOutGrouping(vowels) else { return }
        cursor += 1
        guard goInGrouping(vowels) else { return }
        cursor += 1
        p2 = cursor
    }

    mutating func shortV() -> Bool {
        let saved = cursor
        if outGroupingB(vowelsWXY), inGroupingB(vowels), outGroupingB(vowels) { return true }
        cursor = saved
        if outGroupingB(vowels), inGroupingB(vowels), cursor <= limitBackward { return true }
        cursor = saved
        return eqSB("past")
    }

    mutating func step1aRule() {
        let saved = cursor
        ket = cursor
        if findAmongB(step1aApostrophe) != 0 {
            bra = cursor
            sliceDel()
        } else {
            cursor = saved
        }
        ket = cursor
        let found = findAmongB(step1a)
        guard found != 0 else { return }
        bra = cursor
        switch found {
        case 1:
            sliceFrom("ss")
        case 2:
            // "ied"/"ies": "ties" → "tie" but "cries" → "cri".
            if cursor - 2 >= limitBackward {
                cursor -= 2
                sliceFrom("i")
            } else {
                sliceFrom("ie")
            }
        case 3:
            // Delete a final s if a vowel occurs before the letter preceding it ("gas" stays, "gaps" → "gap").
            guard cursor > limitBackward else { return }
            cursor -= 1
            guard goOutGroupingB(vowels) else { return }
            cursor -= 1
            sliceDel()
        default:
            break
        }
    }

    mutating func step1bRule() {
        ket = cursor
        var found = findAmongB(step1b)
        bra = cursor
        let afterSuffix = cursor
        var handled = false
        switch found {
        case 1:
            // eed, eedly → ee in R1, except after succ/proc/exc when they are the whole rest of the word.
            if inR1 {
                let saved = cursor
                if findAmongB(step1bPrefixExceptions) != 0, cursor <= limitBackward {
                    cursor = saved
                } else {
                    cursor = saved
                    sliceFrom("ee")
                }
            }
            handled = true
        case 2:
            handled = false
        case 3:
            found = findAmongB(step1bIngExceptions)
            if found == 1 {
                // "dying" → "die": ing after y after a single consonant that starts the word.
                let saved = cursor
                if outGroupingB(vowels), cursor <= limitBackward {
                    cursor = saved
                    bra = cursor
                    sliceFrom("ie")
                    handled = true
                } else {
                    handled = false
                }
            } else if found == 2 {
                // "inning", "outing", "evening"… are left alone when the exception is the whole stem.
                handled = cursor <= limitBackward
            } else {
                handled = false
            }
        default:
            handled = true
        }
        if handled { return }
        cursor = afterSuffix
        // ed, edly, ing, ingly: delete if the preceding part contains a vowel, then tidy up the ending.
        let saved = cursor
        guard goOutGroupingB(vowels) else { return }
        cursor -= 1
        cursor = saved
        sliceDel()
        ket = cursor
        bra = cursor
        let tidySaved = cursor
        let ending = findAmongB(step1bAfter)
        switch ending {
        case 1:
            sliceFrom("e")
            return
        case 2:
            let saved2 = cursor
            if inGroupingB(aeo), cursor <= limitBackward { return }
            cursor = saved2
        default:
            guard cursor == p1 else { return }
            let saved3 = cursor
            guard shortV() else { return }
            cursor = saved3
            sliceFrom("e")
            return
        }
        // Double consonant: drop the last letter.
        cursor = tidySaved
        ket = cursor
        guard cursor > limitBackward else { return }
        cursor -= 1
        bra = cursor
        sliceDel()
    }

    mutating func step1cRule() {
        ket = cursor
        guard cursor > limitBackward,
            current[cursor - 1] == UInt8(ascii: "y") || current[cursor - 1] == UInt8(ascii: "Y")
        else { return }
        cursor -= 1
        bra = cursor
        guard outGroupingB(vowels), cursor > limitBackward else { return }
        sliceFrom("i")
    }

    mutating func step2Rule() {
        ket = cursor
        let found = findAmongB(step2)
        guard found != 0 else { return }
        bra = cursor
        guard inR1 else { return }
        switch found {
        case 14:
            guard cursor > limitBackward, current[cursor - 1] == UInt8(ascii: "l") else { return }
            cursor -= 1
            sliceFrom("og")
        case 16:
            guard inGroupingB(validLI) else { return }
            sliceDel()
        default:
            sliceFrom(step2Replacements[found]!)
        }
    }

    mutating func step3Rule() {
        ket = cursor
        let found = findAmongB(step3)
        guard found != 0 else { return }
        bra = cursor
        guard inR1 else { return }
        switch found {
        case 5: sliceDel()
        case 6:
            guard inR2 else { return }
            sliceDel()
        default: sliceFrom(step3Replacements[found]!)
        }
    }

    mutating func step4Rule() {
        ket = cursor
        let found = findAmongB(step4)
        guard found != 0 else { return }
        bra = cursor
        guard inR2 else { return }
        if found == 1 {
            sliceDel()
        } else {
            guard cursor > limitBackward,
                current[cursor - 1] == UInt8(ascii: "s") || current[cursor - 1] == UInt8(ascii: "t")
            else { return }
            cursor -= 1
            sliceDel()
        }
    }

    mutating func step5Rule() {
        ket = cursor
        let found = findAmongB(step5)
        guard found != 0 else { return }
        bra = cursor
        if found == 1 {
            if !inR2 {
                guard inR1 else { return }
                let saved = cursor
                if shortV() { return }
                cursor = saved
            }
            sliceDel()
        } else {
            guard inR2, cursor > limitBackward, current[cursor - 1] == UInt8(ascii: "l") else { return }
            cursor -= 1
            sliceDel()
        }
    }

    mutating func postlude() {
        guard yFound else { return }
        for i in 0..<limit where current[i] == UInt8(ascii: "Y") { current[i] = UInt8(ascii: "y") }
    }
}
