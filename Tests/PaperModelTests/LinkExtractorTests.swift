import Testing

@testable import PaperModel

/// Sentences taken from real abstracts of the founding listing and of arXiv metadata.
@Suite("Link extraction")
struct LinkExtractorTests {
    @Test(
        "clean URLs out of real abstract text",
        arguments: [
            (
                "Our code and models are available at: https://github.com/zinengtang/VidLanKD",
                ["https://github.com/zinengtang/VidLanKD"]
            ),
            (
                "the code source, and our datasets used in our framework at https://github.com/bonaventuredossou/MLM_AL.",
                ["https://github.com/bonaventuredossou/MLM_AL"]
            ),
            (
                "can be accessed at https://github.com/jishengpeng/languagecodec .",
                ["https://github.com/jishengpeng/languagecodec"]
            ),
            (
                "Our source code is available at: https://github.com/HypherX/Evolution-Analysis{https://github.com/HypherX/Evolution-Analysis}",
                ["https://github.com/HypherX/Evolution-Analysis"]
            ),
            (
                "We maintain an active https://github.com/Clin0212/Awesome-Federated-LLM-Learning{GitHub repository} tracking",
                ["https://github.com/Clin0212/Awesome-Federated-LLM-Learning"]
            ),
            (
                "Code: https://github.com/THUDM/scholar-profiling/tree/main/sener",
                ["https://github.com/THUDM/scholar-profiling/tree/main/sener"]
            ),
            (
                "via https://github.com/WGLab/bioformer, including pre-trained models",
                ["https://github.com/WGLab/bioformer"]
            ),
            (
                "publicly available at https://huggingface.co/IDEA-CCNL/Taiyi-Stable-Diffusion-XL-3.5B/{this https URL}, fostering",
                ["https://huggingface.co/IDEA-CCNL/Taiyi-Stable-Diffusion-XL-3.5B/"]
            ),
            (
                "Project page: https://zju3dv.github.io/panogs}{https://zju3dv.github.io/panogs}.",
                ["https://zju3dv.github.io/panogs"]
            ),
            (
                "(see https://example.org/page_(1)) and (https://example.org/x).",
                ["https://example.org/page_(1)", "https://example.org/x"]
            ),
            (
                "code at github.com/foo/bar; data at https://huggingface.co/datasets/foo/baz.",
                ["https://github.com/foo/bar", "https://huggingface.co/datasets/foo/baz"]
            ),
            ("no links here, e.g. arXiv 2106.06021 or javascript:alert(1)", []),
        ] as [(String, [String])])
    func extracts(text: String, expected: [String]) {
        #expect(LinkExtractor.links(in: [text]).map(\.url) == expected)
    }

    @Test func classifiesLinkKinds() {
        let links = LinkExtractor.links(in: [
            """
            https://github.com/a/b https://github.com/a https://a.github.io/proj/ https://huggingface.co/org/model
            https://huggingface.co/datasets/org/data https://huggingface.co/spaces/org/demo https://huggingface.co/org
            https://zenodo.org/records/1
            """
        ])
        #expect(
            links.map(\.kind) == [
                .github, .other, .projectPage, .huggingFaceModel, .huggingFaceDataset, .huggingFaceSpace, .other,
                .other,
            ])
    }

    @Test func paperCodeURLIsFirstGitHubLinkAcrossAbstractAndComments() {
        let paper = Paper(
            id: "2501.00001", title: "T", abstract: "Project: https://p.github.io/x. Code https://github.com/o/r.",
            comments: "Also https://github.com/o/other")
        #expect(paper.codeURL == "https://github.com/o/r")
        #expect(paper.links.count == 3)
    }
}
