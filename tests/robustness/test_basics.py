"""Everyday programs: tracked exactly as untracked."""
from harness import main, same_behaviour


def case_coreutils(work):
    same_behaviour("printf 'b\\na\\n' > in.txt; sort in.txt > out.txt; cp out.txt copy.txt; "
                   "cat copy.txt; wc -c < copy.txt; ls -1 | sort", work)


def case_errno_on_missing(work):
    same_behaviour("cat no-such-file; echo status=$?", work)


if __name__ == "__main__":
    main()
