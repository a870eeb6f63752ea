import Foundation
import Testing

@testable import TextAnalysis

/// Reads the gzip-compressed pairs with the system `gzip`, since Foundation on Linux has no decompressor.
private func loadPairs() throws -> [(String, String)] {
    let url = try #require(Bundle.module.url(forResource: "Resources/porter2-pairs.tsv", withExtension: "gz"))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-dc", url.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
        if line.hasPrefix("#") { return nil }
        let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
        return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
    }
}

@Suite struct Porter2StemmerTests {
    @Test func matchesSnowballReferenceOnGeneratedVocabulary() throws {
        let pairs = try loadPairs()
        #expect(pairs.count > 20_000)
        var mismatches: [String] = []
        for (word, expected) in pairs {
            let got = Porter2Stemmer.stem(word)
            if got != expected { mismatches.append("\(word): expected \(expected), got \(got)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, e.g. \(mismatches.prefix(20))")
    }

    @Test(arguments: [
        // Exceptional forms.
        ("skis", "ski"), ("skies", "sky"), ("idly", "idl"), ("gently", "gentl"), ("ugly", "ugli"), ("early", "earli"),
        ("only", "onli"), ("singly", "singl"), ("news", "news"), ("atlas", "atlas"), ("bias", "bias"),
        // y handling: initial y and y after a vowel are consonants; step 1c.
        ("youth", "youth"), ("saying", "say"), ("happy", "happi"), ("cry", "cri"), ("by", "by"), ("say", "say"),
        // Step 1a.
        ("caresses", "caress"), ("ties", "tie"), ("cries", "cri"), ("gas", "gas"), ("gaps", "gap"), ("boy's", "boy"),
        // Step 1b and its exceptions.
        ("proceed", "proceed"), ("agreed", "agre"), ("hopping", "hop"), ("hoping", "hope"), ("dying", "die"),
        ("inning", "inning"), ("evening", "evening"),
        // R1 prefixes.
        ("generate", "generat"), ("communism", "communism"), ("university", "universiti"),
        // Steps 2-5.
        ("relational", "relat"), ("geologist", "geolog"), ("operator", "oper"), ("electricity", "electr"),
        ("adjustment", "adjust"), ("controlled", "control"), ("rate", "rate"),
    ])
    func specialCases(word: String, stem: String) {
        #expect(Porter2Stemmer.stem(word) == stem)
    }

    @Test func leavesShortAndNonASCIIWordsAlone() {
        #expect(Porter2Stemmer.stem("is") == "is")
        #expect(Porter2Stemmer.stem("müller") == "müller")
        #expect(Porter2Stemmer.stem("") == "")
    }
}
