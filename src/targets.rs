//! Browser targets: one browserslist query drives both the CSS output
//! (prefixes, syntax lowering in lightningcss) and the JavaScript output level
//! (the newest syntax the minifier may emit).

use lightningcss::targets::{Browsers, Targets as CssTargets};
use swc_core::ecma::ast::EsVersion;

use crate::asset::ImageFormat;
use crate::error::{Error, Result};

/// The resolved targets of a run; serialized as its query.
#[derive(Debug, Clone)]
pub struct Targets {
    /// The browserslist query as given.
    pub query: String,
    /// Minimum browser versions, as lightningcss wants them.
    pub css: CssTargets,
    /// The newest ECMAScript level every target browser understands.
    pub js: EsVersion,
}

impl Targets {
    /// Resolves a browserslist query such as `"defaults"` or `"> 0.5%, last 2 versions"`.
    pub fn from_query(query: &str) -> Result<Targets> {
        let browsers = Browsers::from_browserslist([query])
            .map_err(|e| Error::Config(format!("--targets {query:?}: {e}")))?;
        Ok(Targets {
            query: query.to_string(),
            css: CssTargets::from(browsers),
            js: browsers.map_or(EsVersion::latest(), |b| es_version_for(&b)),
        })
    }
}

/// First version of each browser that shows a format (caniuse), in the
/// columns of [`LEVELS`]; `None`: no version does.
fn format_support(format: ImageFormat) -> Option<[(u32, u32); 8]> {
    match format {
        ImageFormat::Webp => Some([
            (32, 0),
            (18, 0),
            (65, 0),
            (14, 0),
            (14, 0),
            (19, 0),
            (4, 0),
            (4, 4),
        ]),
        ImageFormat::Avif => Some([
            (85, 0),
            (121, 0),
            (93, 0),
            (16, 4),
            (16, 4),
            (71, 0),
            (14, 0),
            (85, 0),
        ]),
        ImageFormat::Jpeg | ImageFormat::Png => Some([(0, 0); 8]),
    }
}

impl Targets {
    /// Whether every browser of the targets shows images in `format`
    /// (Internet Explorer shows neither WebP nor AVIF).
    pub fn all_show(&self, format: ImageFormat) -> bool {
        let Some(b) = self.css.browsers else {
            // No query: the newest browsers.
            return true;
        };
        let Some(min) = format_support(format) else {
            return false;
        };
        if b.ie.is_some() {
            return matches!(format, ImageFormat::Jpeg | ImageFormat::Png);
        }
        let have = [
            b.chrome, b.edge, b.firefox, b.safari, b.ios_saf, b.opera, b.samsung, b.android,
        ];
        have.iter()
            .zip(min)
            .all(|(v, (major, minor))| v.is_none_or(|v| v >= (major << 16 | minor << 8)))
    }
}

impl serde::Serialize for Targets {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.query)
    }
}

/// First version of each browser with all the syntax of an ECMAScript level
/// that a minifier can emit (arrow functions and shorthands for ES2015, object
/// spread for ES2018, optional catch binding for ES2019, `?.`/`??` for ES2020,
/// logical assignment for ES2021, class fields and static blocks for ES2022).
/// Columns: chrome, edge, firefox, safari, ios_saf, opera, samsung, android.
const LEVELS: &[(EsVersion, [(u32, u32); 8])] = &[
    (
        EsVersion::Es2022,
        [
            (94, 0),
            (94, 0),
            (93, 0),
            (16, 4),
            (16, 4),
            (80, 0),
            (17, 0),
            (94, 0),
        ],
    ),
    (
        EsVersion::Es2021,
        [
            (85, 0),
            (85, 0),
            (79, 0),
            (14, 0),
            (14, 0),
            (71, 0),
            (14, 0),
            (85, 0),
        ],
    ),
    (
        EsVersion::Es2020,
        [
            (80, 0),
            (80, 0),
            (74, 0),
            (13, 1),
            (13, 4),
            (67, 0),
            (13, 0),
            (80, 0),
        ],
    ),
    (
        EsVersion::Es2019,
        [
            (66, 0),
            (79, 0),
            (58, 0),
            (11, 1),
            (11, 3),
            (53, 0),
            (9, 0),
            (66, 0),
        ],
    ),
    (
        EsVersion::Es2018,
        [
            (64, 0),
            (79, 0),
            (58, 0),
            (11, 1),
            (11, 3),
            (51, 0),
            (9, 0),
            (64, 0),
        ],
    ),
    (
        EsVersion::Es2017,
        [
            (58, 0),
            (16, 0),
            (53, 0),
            (11, 0),
            (11, 0),
            (45, 0),
            (7, 0),
            (58, 0),
        ],
    ),
    (
        EsVersion::Es2016,
        [
            (52, 0),
            (14, 0),
            (52, 0),
            (10, 1),
            (10, 3),
            (39, 0),
            (6, 0),
            (52, 0),
        ],
    ),
    (
        EsVersion::Es2015,
        [
            (51, 0),
            (15, 0),
            (54, 0),
            (10, 0),
            (10, 0),
            (38, 0),
            (5, 0),
            (51, 0),
        ],
    ),
];

/// The newest level every browser in `b` supports; ES5 when Internet Explorer is targeted.
fn es_version_for(b: &Browsers) -> EsVersion {
    if b.ie.is_some() {
        return EsVersion::Es5;
    }
    let have = [
        b.chrome, b.edge, b.firefox, b.safari, b.ios_saf, b.opera, b.samsung, b.android,
    ];
    LEVELS
        .iter()
        .find(|(_, mins)| {
            have.iter().zip(mins).all(|(v, &(major, minor))| match v {
                None => true,
                Some(v) => *v >= (major << 16 | minor << 8),
            })
        })
        .map_or(EsVersion::Es5, |(level, _)| *level)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether every browser of `query` shows `format`.
    #[track_caller]
    fn shows_test(query: &str, format: ImageFormat, expected: bool) {
        let t = Targets::from_query(query).unwrap();
        assert_eq!(t.all_show(format), expected, "{query} {format:?}");
    }

    #[test]
    fn image_formats_are_shown_by_the_browsers_that_support_them() {
        shows_test("defaults", ImageFormat::Webp, true);
        shows_test("chrome >= 100, safari >= 16.4", ImageFormat::Avif, true);
        shows_test("safari 15", ImageFormat::Avif, false);
        shows_test("safari 13", ImageFormat::Webp, false);
        shows_test("ie 11", ImageFormat::Webp, false);
        shows_test("ie 11", ImageFormat::Jpeg, true);
    }

    #[test]
    fn modern_targets_allow_modern_syntax() {
        assert_eq!(
            Targets::from_query("chrome >= 100").unwrap().js,
            EsVersion::Es2022
        );
        assert_eq!(
            Targets::from_query("safari 13").unwrap().js,
            EsVersion::Es2019
        );
        assert_eq!(
            Targets::from_query("safari 13.1").unwrap().js,
            EsVersion::Es2020
        );
        assert_eq!(
            Targets::from_query("safari 14").unwrap().js,
            EsVersion::Es2021
        );
    }

    #[test]
    fn internet_explorer_means_es5() {
        assert_eq!(Targets::from_query("ie 11").unwrap().js, EsVersion::Es5);
    }

    #[test]
    fn bad_query_is_a_config_error() {
        let e = Targets::from_query("not a browser 99").unwrap_err();
        assert!(e.to_string().starts_with("--targets"), "{e}");
    }
}
