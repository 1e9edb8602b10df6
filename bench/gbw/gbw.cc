/*
 * gbw.cc: the C API of gbw.h over Google Benchmark (libbenchmark 1.7.x).
 *
 * The design is simple: every gb_* function is an extern "C" shim that casts
 * its opaque handle back to the C++ object it stands for (gb_state is a
 * benchmark::State, gb_bench a benchmark::internal::Benchmark) and makes the
 * matching library call. The only real code is in the reporters used by
 * gb_run(): one benchmark invocation is split over many forked children that
 * share one standard output, so the display reporters can leave out the
 * context block and the column headers and pad names to a width the parent
 * chose, and a "tee" reporter copies every report into a JSONReporter of the
 * library writing to opts->out_path, so the file keeps Google Benchmark's own
 * schema byte for byte. On the way the tee puts the CPU time of every worker,
 * thread or process, into each run's cpu time (CpuTruth), so that every
 * reader of the output (compare.py, CI trackers) sees the job's real CPU.
 *
 * Invariant: no C++ exception ever crosses into C. Every extern "C" function
 * catches everything and turns it into an error code, NULL or a no-op, and
 * nothing here calls exit(): gb_init() refuses the few arguments for which
 * libbenchmark would print its usage and exit the process.
 */
#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <map>
#include <memory>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "gbw.h"
#include "pt_config.h"

using benchmark::BenchmarkReporter;

namespace benchmark
{
namespace internal
{
/*
 * Not in the public header, but exported by libbenchmark 1.7.x: it is how the
 * library turns --benchmark_color and --benchmark_counters_tabular into
 * console options, and reusing it keeps our console output faithful to them.
 */
ConsoleReporter::OutputOptions GetOutputOptions(bool force_no_color);
} // namespace internal
/*
 * The library's --benchmark_report_aggregates_only and
 * --benchmark_display_aggregates_only, also exported by libbenchmark 1.7.x:
 * gb_run() applies them itself (see TruthReporter).
 */
extern bool FLAGS_benchmark_report_aggregates_only;
extern bool FLAGS_benchmark_display_aggregates_only;
} // namespace benchmark

namespace
{

using ContextMap = std::map<std::string, std::string>;

/*
 * Our own copy of argv[0]: the library keeps a bare pointer to whatever
 * argv[0] it was given, and the caller's array need not outlive gb_init().
 */
char *executable_name_copy;

/* Silences std::cerr and std::clog for its lifetime, exceptions included. */
class QuietStreams
{
      public:
	QuietStreams()
	    : cerr_buf(std::cerr.rdbuf(nullptr)),
	      clog_buf(std::clog.rdbuf(nullptr))
	{
	}
	~QuietStreams()
	{
		std::cerr.rdbuf(cerr_buf);
		std::clog.rdbuf(clog_buf);
		std::cerr.clear();
		std::clog.clear();
	}
	QuietStreams(const QuietStreams &) = delete;
	QuietStreams &operator=(const QuietStreams &) = delete;

      private:
	std::streambuf *cerr_buf;
	std::streambuf *clog_buf;
};

/* The JSON context writer dereferences executable_name: never leave it NULL. */
void ensure_executable_name()
{
	if (BenchmarkReporter::Context::executable_name == nullptr)
		BenchmarkReporter::Context::executable_name =
		    program_invocation_name ? program_invocation_name
					    : "unknown";
}

/*
 * Sets a context key, replacing an earlier value: AddCustomContext() would
 * keep the old one and complain on stderr, which is wrong for a driver that
 * initialises again in each child with fresh values.
 */
void set_context(const std::string &key, const std::string &value)
{
	ContextMap *&global = benchmark::internal::GetGlobalContext();
	if (global != nullptr)
		(*global)[key] = value;
	else
		benchmark::AddCustomContext(key, value);
}

/*
 * The value of "--name=value" or "" for a bare "--name", as libbenchmark's
 * flag parser sees it; nullptr when arg is another flag.
 */
const char *flag_value(const char *arg, const char *name)
{
	size_t len = strlen(name);
	if (strncmp(arg, "--", 2) != 0 || strncmp(arg + 2, name, len) != 0)
		return nullptr;
	const char *rest = arg + 2 + len;
	if (*rest == '\0')
		return rest;
	return *rest == '=' ? rest + 1 : nullptr;
}

bool is_one_of(const char *value, std::initializer_list<const char *> set)
{
	for (const char *s : set)
		if (strcmp(value, s) == 0)
			return true;
	return false;
}

/*
 * True for the arguments on which benchmark::Initialize() prints its usage
 * and calls exit(): --help and invalid values of the format, time unit and
 * colour flags. A library must not end its caller's process.
 */
bool initialize_would_exit(const char *arg)
{
	const char *value;
	if (flag_value(arg, "help"))
		return true;
	if ((value = flag_value(arg, "benchmark_format")) ||
	    (value = flag_value(arg, "benchmark_out_format")))
		return !is_one_of(value, {"console", "json", "csv"});
	if ((value = flag_value(arg, "benchmark_time_unit")))
		return *value != '\0' &&
		       !is_one_of(value, {"ns", "us", "ms", "s"});
	if ((value = flag_value(arg, "benchmark_color")))
		return *value == '\0';
	return false;
}

/*
 * The library, built without NDEBUG (Debian's package is), ends its context
 * block with "***WARNING*** Library was built as DEBUG. Timings may be
 * affected." That concerns the library's own bookkeeping between our timed
 * regions: bench times every job itself (manual time: the clock is read
 * just around map()). So the line is replaced by one that says so.
 */
const char debug_warning[] = "***WARNING*** Library was built as DEBUG.";
const char debug_note[] =
    "bench: note: libbenchmark is a debug build (Debian's package); that "
    "slows only its own loop between jobs, not the timed region: bench "
    "reads the clock around each job itself (manual time)\n";

std::string replace_debug_warning(std::string text)
{
	size_t at = text.find(debug_warning);
	if (at == std::string::npos)
		return text;
	size_t eol = text.find('\n', at);
	text.replace(at,
		     eol == std::string::npos ? text.size() - at : eol + 1 - at,
		     debug_note);
	return text;
}

/*
 * Console output for split runs: the context block and the column headers
 * only when asked for, and names padded to a width fixed by the caller so
 * that lines printed by different children line up.
 */
class ConsoleDisplay : public benchmark::ConsoleReporter
{
      public:
	ConsoleDisplay(OutputOptions options, bool show_header,
		       size_t name_width)
	    : ConsoleReporter(options), show_header_(show_header),
	      name_width_(name_width)
	{
	}

	bool ReportContext(const Context &context) override
	{
		bool ok = true;
		if (show_header_) {
			std::ostream &errors = GetErrorStream();
			std::ostringstream context_text;
			SetErrorStream(&context_text);
			ok = ConsoleReporter::ReportContext(context);
			SetErrorStream(&errors);
			errors << replace_debug_warning(context_text.str());
		} else {
			/* What the base does, less PrintBasicContext(). */
			name_field_width_ = context.name_field_width;
			printed_header_ = false;
			prev_counters_.clear();
		}
		if (name_width_ != 0)
			name_field_width_ = name_width_;
		return ok;
	}

      protected:
	void PrintHeader(const Run &run) override
	{
		if (show_header_)
			ConsoleReporter::PrintHeader(run);
	}

      private:
	bool show_header_;
	size_t name_width_;
};

BENCHMARK_DISABLE_DEPRECATED_WARNING
/* The library deprecates its CSV reporter; it is still what --csv means. */
std::unique_ptr<BenchmarkReporter> make_csv_reporter()
{
	return std::unique_ptr<BenchmarkReporter>(new benchmark::CSVReporter());
}
BENCHMARK_RESTORE_DEPRECATED_WARNING

/*
 * CSV output for split runs. CSVReporter prints its header line as the first
 * line of its first report and has no switch for it, so it writes into a
 * buffer and this class forwards everything but that line.
 */
class CsvDisplay : public BenchmarkReporter
{
      public:
	explicit CsvDisplay(bool show_header)
	    : csv_(make_csv_reporter()), show_header_(show_header)
	{
		csv_->SetOutputStream(&buffer_);
	}

	bool ReportContext(const Context &context) override
	{
		csv_->SetErrorStream(&context_text_);
		bool ok = csv_->ReportContext(context);
		if (show_header_)
			GetErrorStream()
			    << replace_debug_warning(context_text_.str());
		context_text_.str("");
		return ok;
	}

	void ReportRuns(const std::vector<Run> &reports) override
	{
		csv_->ReportRuns(reports);
		std::string text = buffer_.str();
		buffer_.str("");
		if (!show_header_ && !header_dropped_) {
			size_t eol = text.find('\n');
			text.erase(0, eol == std::string::npos ? text.size()
							       : eol + 1);
			header_dropped_ = true;
		}
		GetOutputStream() << text;
	}

	void Finalize() override
	{
		csv_->Finalize();
		GetOutputStream() << buffer_.str();
		buffer_.str("");
	}

      private:
	std::unique_ptr<BenchmarkReporter> csv_;
	std::ostringstream buffer_;
	std::ostringstream context_text_;
	bool show_header_;
	bool header_dropped_ = false;
};

/*
 * The CPU time of a job, as every tool reading Google Benchmark's output
 * sees it. The library's CPU timer measures the calling thread only, and
 * never a worker process: the thread pool showed half its CPU, the process
 * pool almost none (63 us of CPU against 1,096 us of wall time), and
 * compare.py turned that into a fake CPU win. The driver measures the real
 * figure, every thread and every reaped worker process over the run
 * (counters cpu_user_s and cpu_sys_s, per iteration); this sets each run's
 * cpu time from them before any reporter sees it, and recomputes the
 * aggregates' cpu time from the corrected repetitions with the library's
 * own statistics functions and its own rescaling (taken from what it did
 * to the real time). real_time is left as it is.
 */
class CpuTruth
{
      public:
	void correct(std::vector<BenchmarkReporter::Run> &runs)
	{
		for (auto &run : runs) {
			if (run.run_type ==
			    BenchmarkReporter::Run::RT_Aggregate)
				correct_aggregate(run);
			else
				correct_iteration(run);
		}
	}

      private:
	struct Seen {
		std::vector<double> cpu, real; /* accumulated, per run */
		int64_t iterations = 0;	       /* of the first */
		const std::vector<benchmark::internal::Statistics> *stats =
		    nullptr;
	};
	std::map<std::string, Seen> seen_;

	static bool summed_cpu(const BenchmarkReporter::Run &run, double *out)
	{
		auto user = run.counters.find("cpu_user_s");
		auto sys = run.counters.find("cpu_sys_s");
		if (user == run.counters.end() || sys == run.counters.end())
			return false;
		*out = user->second.value + sys->second.value;
		return true;
	}

	void correct_iteration(BenchmarkReporter::Run &run)
	{
		double per_iteration;
		if (run.error_occurred || run.iterations <= 0 ||
		    !summed_cpu(run, &per_iteration))
			return;
		run.cpu_accumulated_time =
		    per_iteration * static_cast<double>(run.iterations);
		Seen &s = seen_[run.run_name.str()];
		s.cpu.push_back(run.cpu_accumulated_time);
		s.real.push_back(run.real_accumulated_time);
		s.stats = run.statistics;
		if (s.iterations == 0)
			s.iterations = run.iterations;
	}

	void correct_aggregate(BenchmarkReporter::Run &run)
	{
		auto it = seen_.find(run.run_name.str());
		if (it == seen_.end() || it->second.stats == nullptr)
			return;
		for (const auto &stat : *it->second.stats) {
			if (stat.name_ != run.aggregate_name)
				continue;
			double real = stat.compute_(it->second.real);
			double cpu = stat.compute_(it->second.cpu);
			/* The library rescales time statistics from the
			 * repetitions' totals to per-iteration figures; its
			 * factor is what it did to the real time. */
			double scale = 1;
			if (real != 0)
				scale = run.real_accumulated_time / real;
			else if (stat.unit_ == benchmark::kTime &&
				 it->second.iterations > 0)
				scale =
				    static_cast<double>(it->second.cpu.size()) /
				    static_cast<double>(it->second.iterations);
			run.cpu_accumulated_time = cpu * scale;
			return;
		}
	}
};

/*
 * Sends every report to the display and, when there is one, to the file
 * reporter, so the file gets the library's JSON without --benchmark_out
 * (which exits the process when the file cannot be opened, and is a global
 * flag children would share); corrects the CPU time first (CpuTruth). The
 * library is run with its two aggregates-only flags off, so that the
 * repetitions always reach CpuTruth, and their meaning is applied here:
 * report_aggregates_only keeps only the aggregates in the display and the
 * file, display_aggregates_only only in the display, and in both cases the
 * repetitions are kept when no aggregates follow them (as the library does).
 */
class TruthReporter : public BenchmarkReporter
{
      public:
	TruthReporter(BenchmarkReporter *display, BenchmarkReporter *file,
		      void (*before_output)(void), bool report_aggregates_only,
		      bool display_aggregates_only)
	    : display_(display), file_(file), before_output_(before_output),
	      file_aggregates_only_(report_aggregates_only),
	      display_aggregates_only_(report_aggregates_only ||
				       display_aggregates_only)
	{
	}

	bool ReportContext(const Context &context) override
	{
		context_reported_ = true;
		if (before_output_)
			before_output_();
		bool display_ok = display_->ReportContext(context);
		bool file_ok =
		    file_ == nullptr || file_->ReportContext(context);
		return display_ok && file_ok;
	}

	void ReportRuns(const std::vector<Run> &reports) override
	{
		std::vector<Run> runs(reports);
		truth_.correct(runs);
		bool aggregates =
		    !runs.empty() && runs.front().run_type == Run::RT_Aggregate;
		if (aggregates) {
			send(pending_, !display_aggregates_only_,
			     !file_aggregates_only_);
			pending_.clear();
			send(runs, true, true);
			return;
		}
		flush_pending();
		if (display_aggregates_only_ || file_aggregates_only_)
			pending_ = runs;
		else
			send(runs, true, true);
	}

	void Finalize() override
	{
		flush_pending();
		if (before_output_)
			before_output_();
		display_->Finalize();
		if (file_)
			file_->Finalize();
	}

	bool context_reported() const
	{
		return context_reported_;
	}

      private:
	void send(const std::vector<Run> &runs, bool to_display, bool to_file)
	{
		if (runs.empty())
			return;
		if (to_display) {
			if (before_output_)
				before_output_();
			display_->ReportRuns(runs);
		}
		if (to_file && file_)
			file_->ReportRuns(runs);
	}

	void flush_pending()
	{
		send(pending_, true, true);
		pending_.clear();
	}

	BenchmarkReporter *display_;
	BenchmarkReporter *file_;
	void (*before_output_)(void);
	bool file_aggregates_only_, display_aggregates_only_;
	bool context_reported_ = false;
	std::vector<Run> pending_;
	CpuTruth truth_;
};

/* Turns the library's aggregates-only flags off for one run (see
 * TruthReporter), restoring them afterwards. */
class AggregatesOnlyFlags
{
      public:
	AggregatesOnlyFlags()
	    : report_(benchmark::FLAGS_benchmark_report_aggregates_only),
	      display_(benchmark::FLAGS_benchmark_display_aggregates_only)
	{
		benchmark::FLAGS_benchmark_report_aggregates_only = false;
		benchmark::FLAGS_benchmark_display_aggregates_only = false;
	}
	~AggregatesOnlyFlags()
	{
		benchmark::FLAGS_benchmark_report_aggregates_only = report_;
		benchmark::FLAGS_benchmark_display_aggregates_only = display_;
	}
	AggregatesOnlyFlags(const AggregatesOnlyFlags &) = delete;
	AggregatesOnlyFlags &operator=(const AggregatesOnlyFlags &) = delete;

	const bool report_, display_;
};

std::unique_ptr<BenchmarkReporter> make_display_reporter(
    const gb_run_options &opts)
{
	switch (opts.display) {
	case GB_FORMAT_JSON:
		return std::unique_ptr<BenchmarkReporter>(
		    new benchmark::JSONReporter());
	case GB_FORMAT_CSV:
		return std::unique_ptr<BenchmarkReporter>(
		    new CsvDisplay(opts.print_header));
	case GB_FORMAT_CONSOLE:
		break;
	}
	return std::unique_ptr<BenchmarkReporter>(
	    new ConsoleDisplay(benchmark::internal::GetOutputOptions(false),
			       opts.print_header, opts.name_width));
}

/* Writes an empty report: the context and no benchmarks. */
void report_nothing(BenchmarkReporter &reporter)
{
	ensure_executable_name();
	BenchmarkReporter::Context context;
	context.name_field_width = 0;
	reporter.ReportContext(context);
	reporter.Finalize();
}

/* Children may _exit() after gb_run(): nothing may stay in a buffer. */
void flush_standard_streams()
{
	std::cout.flush();
	std::cerr.flush();
	fflush(stdout);
	fflush(stderr);
}

benchmark::State *state_of(gb_state *st)
{
	return reinterpret_cast<benchmark::State *>(st);
}

benchmark::internal::Benchmark *bench_of(gb_bench *b)
{
	return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

} // namespace

extern "C" {

/*
 * Initialize() compacts the array it is given, so it gets a copy: the
 * caller's argv stays intact and *bad can point into it. Initialize() adds
 * every --benchmark_context key seen so far to the custom context, and
 * AddCustomContext() warns on stderr about each key already there; so the
 * keys are collected in a fresh map and merged by hand, which lets the driver
 * initialise again in every child without noise. (The flag itself keeps the
 * first value given for a key: that is libbenchmark's parser.)
 */
int gb_init(int argc, char **argv, const char **bad)
{
	ContextMap *&global = benchmark::internal::GetGlobalContext();
	ContextMap *saved = global;
	int ret = 0;

	if (bad)
		*bad = nullptr;
	if (argc < 0 || (argc > 0 && argv == nullptr))
		return -EINVAL;
	for (int i = 1; i < argc; i++) {
		if (initialize_would_exit(argv[i])) {
			if (bad)
				*bad = argv[i];
			return -EINVAL;
		}
	}
	try {
		std::vector<char *> copy(argv, argv + argc);
		copy.push_back(nullptr);
		int left = argc;

		if (argc > 0 && argv[0] != nullptr) {
			char *name = strdup(argv[0]);
			if (name == nullptr)
				return -ENOMEM;
			free(executable_name_copy);
			executable_name_copy = name;
		}
		global = nullptr;
		{
			/* The library explains a bad flag value on its own
			 * stream; the caller reports it as one line. */
			QuietStreams quiet;
			benchmark::Initialize(&left, copy.data());
		}
		ContextMap *added = global;
		global = saved;
		if (added) {
			std::unique_ptr<ContextMap> owned(added);
			for (const auto &kv : *owned)
				set_context(kv.first, kv.second);
		}
		if (executable_name_copy)
			BenchmarkReporter::Context::executable_name =
			    executable_name_copy;
		ensure_executable_name();
		if (left > 1) {
			if (bad)
				*bad = copy[1]; /* same pointer as in argv */
			ret = -EINVAL;
		}
	} catch (const std::bad_alloc &) {
		ret = -ENOMEM;
	} catch (...) {
		ret = -EINVAL;
	}
	if (global != saved && saved != nullptr) {
		/* An exception left Initialize()'s map in place. */
		delete global;
		global = saved;
	}
	return ret;
}

void gb_add_context(const char *key, const char *value)
{
	if (key == nullptr)
		return;
	try {
		set_context(key, value ? value : "");
	} catch (...) {
	}
}

/*
 * The lambda captures fn and arg by value; libbenchmark owns it from here
 * until the process ends (there is no unregistering).
 */
gb_bench *gb_register(const char *name, gb_fn fn, void *arg)
{
	if (name == nullptr || fn == nullptr)
		return nullptr;
	try {
		auto *b = benchmark::RegisterBenchmark(
		    name, [fn, arg](benchmark::State &state) {
			    fn(reinterpret_cast<gb_state *>(&state), arg);
		    });
		return reinterpret_cast<gb_bench *>(b);
	} catch (...) {
		return nullptr;
	}
}

void gb_bench_use_real_time(gb_bench *b)
{
	try {
		if (b)
			bench_of(b)->UseRealTime();
	} catch (...) {
	}
}

void gb_bench_use_manual_time(gb_bench *b)
{
	try {
		if (b)
			bench_of(b)->UseManualTime();
	} catch (...) {
	}
}

void gb_bench_unit(gb_bench *b, enum gb_unit unit)
{
	benchmark::TimeUnit time_unit = benchmark::kNanosecond;
	switch (unit) {
	case GB_NS:
		time_unit = benchmark::kNanosecond;
		break;
	case GB_US:
		time_unit = benchmark::kMicrosecond;
		break;
	case GB_MS:
		time_unit = benchmark::kMillisecond;
		break;
	case GB_S:
		time_unit = benchmark::kSecond;
		break;
	}
	try {
		if (b)
			bench_of(b)->Unit(time_unit);
	} catch (...) {
	}
}

void gb_bench_iterations(gb_bench *b, int64_t n)
{
	try {
		if (b)
			bench_of(b)->Iterations(n);
	} catch (...) {
	}
}

void gb_bench_repetitions(gb_bench *b, int n)
{
	try {
		if (b)
			bench_of(b)->Repetitions(n);
	} catch (...) {
	}
}

bool gb_keep_running(gb_state *st)
{
	try {
		return state_of(st)->KeepRunning();
	} catch (...) {
		return false;
	}
}

/*
 * The iteration count planned for this run, which State::iterations() only
 * reaches once the loop is over: callers size per-iteration buffers with it.
 */
int64_t gb_iterations(const gb_state *st)
{
	return reinterpret_cast<const benchmark::State *>(st)->max_iterations;
}

void gb_pause_timing(gb_state *st)
{
	try {
		state_of(st)->PauseTiming();
	} catch (...) {
	}
}

void gb_resume_timing(gb_state *st)
{
	try {
		state_of(st)->ResumeTiming();
	} catch (...) {
	}
}

void gb_set_iteration_time(gb_state *st, double seconds)
{
	try {
		state_of(st)->SetIterationTime(seconds);
	} catch (...) {
	}
}

void gb_set_items_processed(gb_state *st, int64_t items)
{
	try {
		state_of(st)->SetItemsProcessed(items);
	} catch (...) {
	}
}

void gb_set_bytes_processed(gb_state *st, int64_t bytes)
{
	try {
		state_of(st)->SetBytesProcessed(bytes);
	} catch (...) {
	}
}

void gb_set_counter(gb_state *st, const char *name, double value,
		    unsigned flags)
{
	int mapped = benchmark::Counter::kDefaults;
	if (flags & GB_COUNTER_RATE)
		mapped |= benchmark::Counter::kIsRate;
	if (flags & GB_COUNTER_AVG_ITERATIONS)
		mapped |= benchmark::Counter::kAvgIterations;
	if (name == nullptr)
		return;
	try {
		state_of(st)->counters[name] = benchmark::Counter(
		    value, static_cast<benchmark::Counter::Flags>(mapped));
	} catch (...) {
	}
}

void gb_set_label(gb_state *st, const char *label)
{
	try {
		state_of(st)->SetLabel(label ? label : "");
	} catch (...) {
	}
}

void gb_skip_with_error(gb_state *st, const char *message)
{
	try {
		state_of(st)->SkipWithError(message ? message : "error");
	} catch (...) {
	}
}

/*
 * The output file is opened before anything runs, so an unusable path costs
 * no benchmark time and yields the open(2) errno. If nothing matched the
 * filter the library reports nothing at all; the file then still gets a
 * complete document with an empty "benchmarks" list, so a reader at the
 * other end of a pipe always has valid JSON to parse.
 */
long gb_run(const struct gb_run_options *opts)
{
	if (opts == nullptr)
		return -EINVAL;
	long ret;
	try {
		std::unique_ptr<BenchmarkReporter> display =
		    make_display_reporter(*opts);
		AggregatesOnlyFlags flags;

		ensure_executable_name();
		if (opts->out_path == nullptr) {
			TruthReporter truth(display.get(), nullptr,
					    opts->before_output, flags.report_,
					    flags.display_);
			ret = static_cast<long>(
			    benchmark::RunSpecifiedBenchmarks(&truth));
			flush_standard_streams();
			return ret;
		}

		errno = 0;
		std::ofstream file(opts->out_path,
				   std::ios::out | std::ios::trunc);
		if (!file.is_open())
			return errno != 0 ? -errno : -EIO;
		benchmark::JSONReporter json;
		json.SetOutputStream(&file);
		TruthReporter tee(display.get(), &json, opts->before_output,
				  flags.report_, flags.display_);

		ret =
		    static_cast<long>(benchmark::RunSpecifiedBenchmarks(&tee));
		if (!tee.context_reported())
			report_nothing(json);
		file.flush();
		file.close();
		flush_standard_streams();
		if (file.fail())
			ret = -EIO;
	} catch (const std::bad_alloc &) {
		flush_standard_streams();
		ret = -ENOMEM;
	} catch (...) {
		flush_standard_streams();
		ret = -EIO;
	}
	return ret;
}

/*
 * The context comes from the library's own JSONReporter, so it has exactly
 * the keys and formatting of a results file; the caller parses it instead
 * of this wrapper duplicating the library's system probing.
 */
char *gb_context_json(void)
{
	try {
		std::ostringstream text;
		benchmark::JSONReporter json;
		json.SetOutputStream(&text);
		json.SetErrorStream(&text);
		report_nothing(json);
		return strdup(text.str().c_str());
	} catch (...) {
		return nullptr;
	}
}

const char *gb_library_version(void)
{
	return PT_BENCHMARK_VERSION;
}

/*
 * Shutdown() frees the custom context but leaves the pointer dangling;
 * clearing it makes a later gb_add_context() or gb_shutdown() safe.
 */
void gb_shutdown(void)
{
	try {
		benchmark::Shutdown();
		benchmark::internal::GetGlobalContext() = nullptr;
	} catch (...) {
	}
}

} /* extern "C" */
