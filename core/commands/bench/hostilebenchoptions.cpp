#include "bench/hostilebenchoptions.h"

#include "util/optionvalue.h"

#include <QCommandLineParser>

namespace duplex::bench {

QList<HostileAttack> allHostileAttacks()
{
    return {HostileAttack::None,         HostileAttack::SlowReaders,   HostileAttack::PingFlood, HostileAttack::Malformed,
            HostileAttack::ManyChannels, HostileAttack::ManyClientIds, HostileAttack::Resume};
}

QString hostileAttackName(HostileAttack attack)
{
    switch (attack) {
    case HostileAttack::None:
        return QStringLiteral("none");
    case HostileAttack::SlowReaders:
        return QStringLiteral("slow-readers");
    case HostileAttack::PingFlood:
        return QStringLiteral("ping-flood");
    case HostileAttack::Malformed:
        return QStringLiteral("malformed");
    case HostileAttack::ManyChannels:
        return QStringLiteral("many-channels");
    case HostileAttack::ManyClientIds:
        return QStringLiteral("many-clientids");
    case HostileAttack::Resume:
        return QStringLiteral("resume");
    }
    return QString();
}

QString hostileAttackSummary(HostileAttack attack)
{
    switch (attack) {
    case HostileAttack::None:
        return QStringLiteral("no attack: the baseline");
    case HostileAttack::SlowReaders:
        return QStringLiteral("20 WebSocket clients that never read, 60 KiB messages on their channel at 50/s");
    case HostileAttack::PingFlood:
        return QStringLiteral("300,000 masked 125-byte pings from a WebSocket client that never reads");
    case HostileAttack::Malformed:
        return QStringLiteral("4 WebSocket clients sending {not json as fast as they can, reconnecting when closed");
    case HostileAttack::ManyChannels:
        return QStringLiteral("10,000 Comet publishes on as many channels, a clientId each, over 32 keep-alive connections");
    case HostileAttack::ManyClientIds:
        return QStringLiteral("20,000 Comet polls with since=0, a new clientId each, over 32 keep-alive connections");
    case HostileAttack::Resume:
        return QStringLiteral("5 WebSocket clients resuming 1000 events of 16 KiB at once");
    }
    return QString();
}

HostileBenchParse parseHostileBenchOptions(const QStringList &arguments)
{
    HostileBenchParse r;
    HostileBenchConfig &c = r.config;
    QStringList names;
    QString attacksHelp;
    for (const HostileAttack a : allHostileAttacks()) {
        names << hostileAttackName(a);
        attacksHelp += QStringLiteral("  %1 %2\n").arg(hostileAttackName(a), -16).arg(hostileAttackSummary(a));
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Measures what each hostile client of issue 13 costs a Duplex cluster and its other users.\n"
                       "\n"
                       "Runs one phase per attack, the baseline first, each on a fresh cluster (broker, 1 WebSocket\n"
                       "node, 1 Comet node, static node, nginx) on a free port. Throughout each phase a bystander\n"
                       "publishes small timestamped messages on channel `bystander` over WebSocket at a steady rate,\n"
                       "read by one WebSocket and one Comet subscriber; every 100 ms the resident memory of each\n"
                       "cluster process is read from /proc. Prints one Markdown row per phase: the peak memory per\n"
                       "role and its growth over the phase's start, the bystander's latency (p50 / p99 / max), what\n"
                       "it lost, its p99 against the baseline's, and what the attack achieved.\n"
                       "\n"
                       "Attacks:\n%1\n"
                       "Exit status: 0 when every bystander message arrived and no process died; 1 otherwise; 2 on a\n"
                       "bad command line. Timing never fails a run.")
            .arg(attacksHelp));
    parser.addHelpOption();
    const QCommandLineOption phaseOption(QStringLiteral("phase-seconds"),
                                         QStringLiteral("Seconds of each phase, attack and bystander traffic (default 15); a request flood or resume "
                                                        "runs until it is done, at most 10 times as long."),
                                         QStringLiteral("s"));
    const QCommandLineOption onlyOption(QStringLiteral("only"),
                                        QStringLiteral("Run only these attacks, comma-separated, in the usual order (%1).")
                                            .arg(names.join(QStringLiteral(", "))),
                                        QStringLiteral("attacks"));
    const QCommandLineOption rateOption(QStringLiteral("rate"),
                                        QStringLiteral("Bystander publishes per second (default 200)."), QStringLiteral("n"));
    parser.addOption(phaseOption);
    parser.addOption(onlyOption);
    parser.addOption(rateOption);

    auto fail = [&r](const QString &message) {
        r.status = HostileBenchParse::Status::Error;
        r.text = message;
        return r;
    };
    if (!parser.parse(arguments))
        return fail(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        r.status = HostileBenchParse::Status::Help;
        r.text = parser.helpText();
        return r;
    }
    if (!parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument %1").arg(parser.positionalArguments().constFirst()));
    if (parser.isSet(phaseOption) && !util::readInteger(parser.value(phaseOption), 1, 600, &c.phaseSeconds))
        return fail(QStringLiteral("--phase-seconds: expected an integer from 1 to 600, got %1").arg(parser.value(phaseOption)));
    // The nodes refuse more than 1000 publishes per second from one client.
    if (parser.isSet(rateOption) && !util::readInteger(parser.value(rateOption), 1, 1000, &c.bystanderRate))
        return fail(QStringLiteral("--rate: expected an integer from 1 to 1000, got %1").arg(parser.value(rateOption)));
    if (parser.isSet(onlyOption)) {
        QList<HostileAttack> chosen;
        for (const QString &value : parser.values(onlyOption)) {
            for (const QString &part : value.split(QLatin1Char(','))) {
                const QString name = part.trimmed();
                const int index = int(names.indexOf(name));
                if (index < 0)
                    return fail(QStringLiteral("--only: unknown attack \"%1\" (expected %2)").arg(name, names.join(QStringLiteral(", "))));
                chosen << allHostileAttacks().at(index);
            }
        }
        c.attacks.clear();
        for (const HostileAttack a : allHostileAttacks()) {
            if (chosen.contains(a))
                c.attacks << a;
        }
    }
    return r;
}

} // namespace duplex::bench
