//! The access test file parser (`atende policy test`): any text either parses into a scenario
//! that runs on the in-memory backend, or yields problems, each on a line of the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match scenario::parse(text) {
        Ok(s) => {
            let ran = scenario::run(
                &s,
                &mut scenario::Memory::new(&s),
                access::explain::Lang::En,
            );
            assert!(ran.is_ok(), "a parsed file failed to run");
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "Err with no problem");
            // Lines as YAML counts them: a lone CR is a line break too.
            let lines = text
                .replace("\r\n", "\n")
                .replace('\r', "\n")
                .lines()
                .count()
                .max(1)
                + 1;
            for p in &problems {
                assert!(
                    p.line >= 1 && p.line <= lines,
                    "problem at line {} of {lines}",
                    p.line
                );
                assert!(!p.message.is_empty(), "empty message");
            }
        }
    }
});
