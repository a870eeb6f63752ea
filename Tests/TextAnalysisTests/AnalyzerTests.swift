import Testing

@testable import TextAnalysis

@Suite struct TokenizerTests {
    func texts(_ s: String) -> [String] { Tokenizer().tokenize(s).map(\.text) }

    @Test func hyphenatedWordsIndexPartsAndJoinedForm() {
        #expect(texts("pre-training") == ["pre", "training", "pretraining"])
        #expect(texts("GPT-4o") == ["gpt", "4o", "gpt4o"])
        #expect(texts("BERT-base model") == ["bert", "base", "bertbase", "model"])
    }

    @Test func numbersAbbreviationsAndURLs() {
        #expect(texts("a 3.5B model") == ["a", "3.5b", "model"])
        #expect(texts("e.g. this") == ["eg", "this"])
        #expect(texts("U.S.A.") == ["usa"])
        #expect(texts("see https://github.com/org/repo.") == ["see", "https", "github", "com", "org", "repo"])
        #expect(texts("end.Next") == ["end", "next"])
    }

    @Test func unicodeIsNormalizedAndFolded() {
        #expect(texts("ＢＥＲＴ ﬁne-tuning Müller") == ["bert", "fine", "tuning", "finetuning", "müller"])
        #expect(texts("model’s") == ["model's"])
    }

    @Test func compoundSharesFirstPosition() {
        let tokens = Tokenizer().tokenize("large pre-training data")
        #expect(tokens.map(\.position) == [0, 1, 2, 1, 3])
        #expect(tokens.filter(\.isCompound).map(\.text) == ["pretraining"])
    }

    @Test func rangesPointIntoOriginal() {
        let text = "Größe of ＢＥＲＴ"
        for token in Tokenizer().tokenize(text) {
            let utf8 = Array(text.utf8)
            #expect(!String(decoding: utf8[token.utf8Range], as: UTF8.self).isEmpty)
        }
    }

    @Test func survivesHostileInput() {
        #expect(texts("") == [])
        #expect(texts("\u{0}\u{1}\u{7F}---...'''") == [])
        #expect(Tokenizer().tokenize(String(repeating: "x", count: 100)).isEmpty)
        _ = texts(String(repeating: "a-", count: 10_000))
    }
}

@Suite struct AnalyzerTests {
    @Test func textFieldStemsAndDropsStopwords() {
        let terms = Analyzer.standard.analyze("The Transformers are learning representations").map(\.term)
        #expect(terms == ["transform", "learn", "represent"])
    }

    @Test func stopwordsKeepPositions() {
        let terms = Analyzer.standard.analyze("state of the art")
        #expect(terms.map(\.term) == ["state", "art"])
        #expect(terms.map(\.position) == [0, 3])
    }

    @Test func authorsAreNotStemmed() {
        #expect(Analyzer.standard.analyze("Geoffrey Hinton", field: .author).map(\.term) == ["geoffrey", "hinton"])
        #expect(Analyzer.standard.analyze("Jane Fielding", field: .author).map(\.term) == ["jane", "fielding"])
    }

    @Test func categoriesAreExactKeywords() {
        #expect(Analyzer.standard.analyze(" cs.CL ", field: .category).map(\.term) == ["cs.cl"])
    }

    @Test func numbersAreNotStemmed() {
        #expect(Analyzer.standard.analyze("GPT-4o 3.5B").map(\.term) == ["gpt", "4o", "gpt4o", "3.5b"])
    }
}

@Suite struct HighlighterTests {
    @Test func highlightsStemMatchesInOriginalText() {
        let text = "Training transformers: we trained a Transformer."
        let ranges = Highlighter.matchRanges(in: text, query: "transformer training")
        #expect(ranges.map { String(text[$0]) } == ["Training", "transformers", "trained", "Transformer"])
    }

    @Test func compoundHighlightsWholeWord() {
        let text = "Large-scale pre-training helps."
        let ranges = Highlighter.matchRanges(in: text, query: "pretraining")
        #expect(ranges.map { String(text[$0]) } == ["pre-training"])
    }

    @Test func snippetCentersOnMatches() {
        let filler = String(repeating: "lorem ipsum dolor ", count: 30)
        let text = filler + "the quick diffusion model " + filler
        let snippet = Highlighter.snippet(text, query: "diffusion", maxLength: 80)
        #expect(snippet.text.count <= 80)
        #expect(snippet.truncatedStart && snippet.truncatedEnd)
        #expect(snippet.highlights.map { String(snippet.text[$0]) } == ["diffusion"])
    }

    @Test func shortTextIsReturnedWhole() {
        let snippet = Highlighter.snippet("Diffusion models", query: "model", maxLength: 100)
        #expect(snippet.text == "Diffusion models")
        #expect(snippet.highlights.count == 1)
    }
}
