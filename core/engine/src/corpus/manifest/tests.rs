//! Manifests: every column read and paths resolved, the delimiter from the extension or the
//! header, errors that name the line and column, and class maps as in the other loaders.

use super::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The error message of reading a manifest with this text (named `name`).
fn error(name: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), name, text);
    let e = read(&p).unwrap_err().to_string();
    assert!(e.contains(name), "error does not name the manifest: {e}");
    e
}

#[test]
fn reads_every_column_and_resolves_paths_against_the_manifest_folder() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Path,Label,Speaker,session,gender,text,valence,arousal,dominance,split,duration\n\
                a/one.wav,happy,s1,ses1,F,\"Hello, world\",3.5,2,4.25,train,1.2\n\
                # a comment line\n\
                \n\
                /abs/two.flac,sad,s2,,male,,,,,DEV,0.8\n\
                three.mp3 , angry , s3 ,ses2,,,1,1,1,Test,\n";
    let p = write(dir.path(), "corpus.csv", text);
    let rows = read(&p).unwrap();
    assert_eq!(rows.len(), 3);
    let r = &rows[0];
    assert_eq!(r.line, 2);
    assert_eq!(r.id, "a/one");
    assert_eq!(r.audio, dir.path().join("a/one.wav"));
    assert_eq!((r.label.as_str(), r.speaker.as_str()), ("happy", "s1"));
    assert_eq!(r.session.as_deref(), Some("ses1"));
    assert_eq!(r.gender, Some(Gender::Female));
    assert_eq!(r.text.as_deref(), Some("Hello, world"));
    assert_eq!(r.vad, Some([3.5, 2.0, 4.25]));
    assert_eq!(r.split, Some("train"));
    let r = &rows[1];
    assert_eq!(r.line, 5);
    assert_eq!(r.audio, PathBuf::from("/abs/two.flac"));
    assert_eq!((r.session.clone(), r.gender), (None, Some(Gender::Male)));
    assert_eq!((r.text.clone(), r.vad), (None, None));
    assert_eq!(r.split, Some("validation"));
    // Fields are trimmed.
    let r = &rows[2];
    assert_eq!((r.id.as_str(), r.label.as_str()), ("three", "angry"));
    assert_eq!(r.audio, dir.path().join("three.mp3"));
    assert_eq!((r.vad, r.split), (Some([1.0; 3]), Some("test")));
}

#[test]
fn the_delimiter_comes_from_the_extension_or_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = write(
        dir.path(),
        "m.tsv",
        "path\tlabel\tspeaker\ttext\nx.wav\tsad\tA\tyes, a comma\n",
    );
    assert_eq!(read(&tsv).unwrap()[0].text.as_deref(), Some("yes, a comma"));
    // A semicolon table saved by a spreadsheet, with a byte-order mark, named .txt.
    let semi = write(
        dir.path(),
        "m.txt",
        "\u{feff}path;label;speaker;id\nx.wav;sad;A;utt-1\n",
    );
    let r = read(&semi).unwrap();
    assert_eq!((r[0].id.as_str(), r[0].speaker.as_str()), ("utt-1", "A"));
    let e = error("m.tsv", "path,label,speaker\nx.wav,sad,A\n");
    assert!(e.contains("line 1") && e.contains("tabs"), "{e}");
    let e = error("m.csv", "path label speaker\n");
    assert!(
        e.contains("delimiter") && e.contains("path, label, speaker"),
        "{e}"
    );
}

#[test]
fn errors_name_the_line_the_column_and_what_is_wrong() {
    let e = error("m.csv", "path,label,emotion,spk\nx.wav,sad,sad,A\n");
    assert!(
        e.contains("line 1")
            && e.contains("missing required column `speaker`")
            && e.contains("`path`, `label`, `emotion`, `spk`"),
        "{e}"
    );
    let e = error(
        "m.csv",
        "path,label,speaker,valence,arousal,dominance\nx.wav,sad,A,1,2,3\ny.wav,sad,A,high,2,3\n",
    );
    assert!(
        e.contains("line 3, column `valence`: `high` is not a number"),
        "{e}"
    );
    let e = error(
        "m.csv",
        "path,label,speaker,valence,arousal,dominance\nx.wav,sad,A,1,NaN,3\n",
    );
    assert!(
        e.contains("line 2, column `arousal`") && e.contains("finite"),
        "{e}"
    );
    let e = error(
        "m.csv",
        "path,label,speaker,valence,arousal,dominance\nx.wav,sad,A,1,,3\n",
    );
    assert!(e.contains("line 2, column `arousal`: empty"), "{e}");
    let e = error("m.csv", "path,label,speaker,valence\nx.wav,sad,A,1\n");
    assert!(
        e.contains("come together") && e.contains("only valence"),
        "{e}"
    );
    let e = error("m.csv", "path,label,speaker,gender\nx.wav,sad,A,x\n");
    assert!(
        e.contains("line 2, column `gender`: unknown gender `x`"),
        "{e}"
    );
    let e = error("m.csv", "path,label,speaker,split\nx.wav,sad,A,holdout\n");
    assert!(
        e.contains("line 2, column `split`: unknown split `holdout`"),
        "{e}"
    );
    let e = error("m.csv", "path,label,speaker\nx.wav,sad,A\nx.flac,sad,B\n");
    assert!(
        e.contains("line 3, column `path`: utterance id `x` is already used on line 2"),
        "{e}"
    );
    let e = error("m.csv", "path,label,speaker\nx.wav,sad,A\ny.wav,sad\n");
    assert!(e.contains("line 3: 2 fields, but the header has 3"), "{e}");
    let e = error(
        "m.csv",
        "# made by hand\npath,label,speaker\n# first\n\nx.wav,sad\n",
    );
    assert!(e.contains("line 5: 2 fields, but the header has 3"), "{e}");
    let e = error("m.csv", "path,label,speaker\nx.wav,,A\n");
    assert!(e.contains("line 2, column `label`: empty"), "{e}");
    let e = error("m.csv", "path,label,speaker,valance\nx.wav,sad,A,1\n");
    assert!(
        e.contains("column 4: unknown column `valance` (did you mean `valence`?)"),
        "{e}"
    );
    let e = error("m.csv", "path,label,speaker,label\n");
    assert!(e.contains("column `label` appears twice"), "{e}");
    let e = error("m.csv", "");
    assert!(e.contains("empty manifest"), "{e}");
    // Short unknown columns are someone's data, not typos.
    let dir = tempfile::tempdir().unwrap();
    let latin1 = dir.path().join("latin1.csv");
    std::fs::write(&latin1, b"path,label,speaker\nx.wav,sad,J\xfcrgen\n").unwrap();
    let e = read(&latin1).unwrap_err().to_string();
    assert!(e.contains("latin1.csv: line 2: not UTF-8"), "{e}");
    let p = write(
        dir.path(),
        "ok.csv",
        "path,label,speaker,sex,set\nx.wav,sad,A,f,1\n",
    );
    assert_eq!(read(&p).unwrap()[0].gender, None);
    let e = read(dir.path()).unwrap_err().to_string();
    assert!(e.contains("is a folder"), "{e}");
    let e = read(&dir.path().join("none.csv")).unwrap_err().to_string();
    assert!(e.contains("none.csv"), "{e}");
}

#[test]
fn class_map_and_classes_select_like_the_other_loaders() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "iemocap-like.csv",
        "path,label,speaker\n\
         a.wav,neu,s1\nb.wav,hap,s1\nc.wav,exc,s2\nd.wav,fru,s2\ne.wav,sad,s3\n",
    );
    // Without a map, labels are the classes, sorted.
    let l = load(&p, None, None).unwrap();
    assert_eq!(l.corpus.name, "iemocap-like");
    assert_eq!(l.corpus.classes, ["exc", "fru", "hap", "neu", "sad"]);
    assert!(l.skipped.is_empty());
    // A map merges exc into happy; fru is outside it and listed.
    let map: BTreeMap<String, String> = [
        ("neu", "neutral"),
        ("hap", "happy"),
        ("exc", "happy"),
        ("sad", "sad"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    let l = load(&p, Some(&map), None).unwrap();
    assert_eq!(l.corpus.classes, ["happy", "neutral", "sad"]);
    assert_eq!(l.corpus.class_counts(), [2, 1, 1]);
    assert_eq!(l.skipped.len(), 1);
    assert!(l.skipped[0].path.ends_with("d.wav"));
    assert!(
        l.skipped[0].reason == "line 5: label `fru` is outside the class map",
        "{:?}",
        l.skipped
    );
    // `classes` keeps some, in the given order, and lists the rest.
    let keep = vec!["sad".to_string(), "happy".to_string()];
    let l = load(&p, Some(&map), Some(&keep)).unwrap();
    assert_eq!(l.corpus.classes, keep);
    assert_eq!(l.corpus.utterances.len(), 3);
    assert_eq!(l.skipped.len(), 2);
    let bad = vec!["anger".to_string()];
    let e = load(&p, Some(&map), Some(&bad)).unwrap_err().to_string();
    assert!(e.contains("`anger` is not a class"), "{e}");
    // A map that names none of the labels leaves nothing, and says so.
    let other: BTreeMap<String, String> = [("ang".to_string(), "angry".to_string())]
        .into_iter()
        .collect();
    let e = load(&p, Some(&other), None).unwrap_err().to_string();
    assert!(
        e.contains("iemocap-like.csv") && e.contains("class_map"),
        "{e}"
    );
    let e = load(&p, Some(&BTreeMap::new()), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("corpus.class_map") && e.contains("empty"), "{e}");
    // A header without rows is a corpus without utterances.
    let empty = write(dir.path(), "empty.csv", "path,label,speaker\n");
    let e = load(&empty, None, None).unwrap_err().to_string();
    assert!(
        e.contains("empty.csv") && e.contains("no utterance row"),
        "{e}"
    );
}
