"""tap.py -- runs the Python hook's unit tests (tests/python/test_*.py,
unittest) and prints one TAP line per test for tests/run:
"ok N - module.Class.test", "not ok N - ..." with the traceback as "# "
lines, "ok N - ... # skip REASON" for a skipped test.

  python3 tests/python/tap.py [PATTERN]     environment: MLPROV_BUILD (the
                                            build dir holding tests/tools/evdump)
Exit status 1 when a test failed or none ran."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "hooks", "python"))
sys.path.insert(0, HERE)


class TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = 0

    def _line(self, ok, test, extra=""):
        self.n += 1
        print("%s %d - %s%s" % ("ok" if ok else "not ok", self.n, test.id(), extra), flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(True, test, " # skip " + reason)

    def _fail(self, test, err):
        self._line(False, test)
        for line in self._exc_info_to_string(err, test).splitlines():
            print("# " + line)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail(test, err)

    def addError(self, test, err):
        super().addError(test, err)
        self._fail(test, err)


def main():
    pattern = sys.argv[1] if len(sys.argv) > 1 else "test_*.py"
    suite = unittest.defaultTestLoader.discover(HERE, pattern=pattern, top_level_dir=HERE)
    r = TapResult()
    suite.run(r)
    print("1..%d" % r.n)
    return 0 if r.n and r.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
