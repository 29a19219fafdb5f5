// mql5_shim.h -- the few MQL5 built-ins the tested core uses, for g++.
//
// The core (.mqh files under mql5/Include/CopyTrade that do not need a terminal) is written
// in the subset of MQL5 that is also C++. This header supplies the MQL5 types and built-in
// functions it calls, with MQL5's semantics as documented in the MQL5 reference. Every
// function here must also appear in mql5/tools/builtins.txt (tests/mql5 checks that), so the
// shim cannot make a non-existent MQL5 function look real.
//
// Strings are std::string holding bytes. The core only ever stores printable ASCII in them
// (bytes are checked before they become strings), where MQL5's UTF-16 strings behave alike.
#ifndef CT_MQL5_SHIM_H
#define CT_MQL5_SHIM_H

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

typedef std::string string;
typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned int uint;
typedef unsigned long ulong;
typedef long datetime;

// --- strings (https://www.mql5.com/en/docs/strings) -------------------------------------

inline int StringLen(const string &s) { return (int)s.size(); }

inline string StringSubstr(const string &s, int start, int length = -1) {
    if (start < 0) start = 0;
    if (start >= (int)s.size()) return string();
    if (length < 0) return s.substr((size_t)start);
    return s.substr((size_t)start, (size_t)length);
}

inline int StringFind(const string &s, const string &match, int start = 0) {
    if (start < 0) start = 0;
    size_t pos = s.find(match, (size_t)start);
    return pos == string::npos ? -1 : (int)pos;
}

inline ushort StringGetCharacter(const string &s, int pos) {
    if (pos < 0 || pos >= (int)s.size()) return 0;
    return (ushort)(uchar)s[(size_t)pos];
}

inline string ShortToString(ushort c) { return string(1, (char)c); }

inline string CharToString(uchar c) { return string(1, (char)c); }

inline bool StringToUpper(string &s) {
    for (size_t i = 0; i < s.size(); i++)
        if (s[i] >= 'a' && s[i] <= 'z') s[i] = (char)(s[i] - 'a' + 'A');
    return true;
}

inline int StringTrimLeft(string &s) {
    size_t n = 0;
    while (n < s.size() && (s[n] == ' ' || s[n] == '\t' || s[n] == '\r' || s[n] == '\n')) n++;
    s.erase(0, n);
    return (int)n;
}

inline int StringTrimRight(string &s) {
    size_t n = 0;
    while (n < s.size()) {
        char c = s[s.size() - 1 - n];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
        n++;
    }
    s.erase(s.size() - n);
    return (int)n;
}

// --- conversion (https://www.mql5.com/en/docs/convert) ----------------------------------

inline double StringToDouble(const string &s) { return std::strtod(s.c_str(), nullptr); }

inline long StringToInteger(const string &s) { return std::strtol(s.c_str(), nullptr, 10); }

inline string DoubleToString(double value, int digits = 8) {
    if (digits < 0) digits = 0;
    if (digits > 16) digits = 16;
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", digits, value);
    return string(buf);
}

inline string IntegerToString(long number, int str_len = 0, ushort fill_symbol = ' ') {
    string s = std::to_string(number);
    while ((int)s.size() < str_len) s.insert(s.begin(), (char)fill_symbol);
    return s;
}

// --- math (https://www.mql5.com/en/docs/math) -------------------------------------------

inline double MathAbs(double v) { return std::fabs(v); }
inline double MathFloor(double v) { return std::floor(v); }
inline double MathCeil(double v) { return std::ceil(v); }
inline double MathRound(double v) { return std::round(v); }
inline double MathPow(double b, double e) { return std::pow(b, e); }
inline double MathMax(double a, double b) { return a > b ? a : b; }
inline double MathMin(double a, double b) { return a < b ? a : b; }
inline bool MathIsValidNumber(double v) { return std::isfinite(v); }
inline int MathRand() { return std::rand() % 32768; }
inline void MathSrand(int seed) { std::srand((unsigned)seed); }

// --- files (https://www.mql5.com/en/docs/files) -----------------------------------------
// Text files in one sandbox folder (CT_SHIM_SANDBOX or the working directory), written as
// ANSI with \r\n line ends like MQL5's FILE_TXT|FILE_ANSI.

#define INVALID_HANDLE (-1)
#define FILE_READ 1
#define FILE_WRITE 2
#define FILE_BIN 4
#define FILE_CSV 8
#define FILE_TXT 16
#define FILE_ANSI 32
#define FILE_UNICODE 64
#define FILE_SHARE_READ 128
#define FILE_SHARE_WRITE 256
#define FILE_REWRITE 512
#define FILE_COMMON 4096

inline string CtShimPath(const string &name) {
    const char *dir = std::getenv("CT_SHIM_SANDBOX");
    return dir == nullptr ? name : string(dir) + "/" + name;
}

#define CT_SHIM_MAX_FILES 16
inline FILE **CtShimFiles() {
    static FILE *files[CT_SHIM_MAX_FILES] = {nullptr};
    return files;
}

inline int FileOpen(const string &name, int flags, short delimiter = '\t', uint codepage = 0) {
    (void)delimiter;
    (void)codepage;
    const char *mode = (flags & FILE_WRITE) ? "wb" : "rb";
    FILE *f = std::fopen(CtShimPath(name).c_str(), mode);
    if (f == nullptr) return INVALID_HANDLE;
    FILE **files = CtShimFiles();
    for (int i = 0; i < CT_SHIM_MAX_FILES; i++) {
        if (files[i] == nullptr) {
            files[i] = f;
            return i + 1;
        }
    }
    std::fclose(f);
    return INVALID_HANDLE;
}

inline FILE *CtShimFile(int handle) {
    if (handle < 1 || handle > CT_SHIM_MAX_FILES) return nullptr;
    return CtShimFiles()[handle - 1];
}

inline void FileClose(int handle) {
    FILE *f = CtShimFile(handle);
    if (f != nullptr) std::fclose(f);
    if (f != nullptr) CtShimFiles()[handle - 1] = nullptr;
}

inline uint FileWriteString(int handle, const string &text, int length = -1) {
    FILE *f = CtShimFile(handle);
    if (f == nullptr) return 0;
    size_t n = length < 0 ? text.size() : (size_t)length;
    return (uint)std::fwrite(text.data(), 1, n, f);
}

inline void FileFlush(int handle) {
    FILE *f = CtShimFile(handle);
    if (f != nullptr) std::fflush(f);
}

inline bool FileIsEnding(int handle) {
    FILE *f = CtShimFile(handle);
    if (f == nullptr) return true;
    int c = std::fgetc(f);
    if (c == EOF) return true;
    std::ungetc(c, f);
    return false;
}

// For text files: reads up to the end of the line and drops the \r\n.
inline string FileReadString(int handle, int length = -1) {
    (void)length;
    FILE *f = CtShimFile(handle);
    string s;
    if (f == nullptr) return s;
    int c;
    while ((c = std::fgetc(f)) != EOF && c != '\n') s.push_back((char)c);
    if (!s.empty() && s[s.size() - 1] == '\r') s.erase(s.size() - 1);
    return s;
}

inline bool FileIsExist(const string &name, int common_flag = 0) {
    (void)common_flag;
    FILE *f = std::fopen(CtShimPath(name).c_str(), "rb");
    if (f == nullptr) return false;
    std::fclose(f);
    return true;
}

inline bool FileDelete(const string &name, int common_flag = 0) {
    (void)common_flag;
    return std::remove(CtShimPath(name).c_str()) == 0;
}

inline bool FileMove(const string &src, int common_flag, const string &dst, int mode_flags) {
    (void)common_flag;
    if (!(mode_flags & FILE_REWRITE) && FileIsExist(dst)) return false;
    return std::rename(CtShimPath(src).c_str(), CtShimPath(dst).c_str()) == 0;
}

// --- logging (https://www.mql5.com/en/docs/common/print) --------------------------------

inline void Print(const string &text) { std::printf("%s\n", text.c_str()); }

#endif
