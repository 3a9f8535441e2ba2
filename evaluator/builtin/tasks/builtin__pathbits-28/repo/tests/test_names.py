from pathbits import extension, stem, with_extension


def test_simple_extension():
    assert extension("docs/photo.jpg") == "jpg"


def test_no_extension():
    assert extension("Makefile") == ""


def test_dotfile_has_no_extension():
    assert extension("/home/u/.bashrc") == ""


def test_stem():
    assert stem("C:\\data\\report.pdf") == "report"


def test_with_extension():
    assert with_extension("out/data.csv", ".json") == "out/data.json"
